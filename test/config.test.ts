import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration from the environment', () => {
  it('has embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      dataDir: './data',
      secretKey: null,
      logLevel: 'info',
      invitationTtlMs: 72 * 3_600_000,
      nodeTimeoutMs: 5000,
      // Private, loopback and metadata addresses are refused unless the operator allows them (issue 18, finding 4).
      allowPrivateUrls: false,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('bounds a shutdown by SHUTDOWN_TIMEOUT_MS, between a second and ten minutes', () => {
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '30000' }).shutdownTimeoutMs).toBe(30_000);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '500' })).toThrow(
      'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be at least 1000 (got "500").',
    );
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(
      'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be a number (got "soon").',
    );
  });

  it('allows private URLs only when DESKBRIDGE_ALLOW_PRIVATE_URLS says so', () => {
    expect(loadConfig({ DESKBRIDGE_ALLOW_PRIVATE_URLS: 'true' }).allowPrivateUrls).toBe(true);
    expect(loadConfig({ DESKBRIDGE_ALLOW_PRIVATE_URLS: '1' }).allowPrivateUrls).toBe(true);
    expect(loadConfig({ DESKBRIDGE_ALLOW_PRIVATE_URLS: 'false' }).allowPrivateUrls).toBe(false);
    expect(() => loadConfig({ DESKBRIDGE_ALLOW_PRIVATE_URLS: 'yes' })).toThrow(
      'Invalid configuration: DESKBRIDGE_ALLOW_PRIVATE_URLS must be true or false (got "yes").',
    );
  });

  it('derives PUBLIC_URL from PORT and accepts a 64-hex or base64 secret key', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://bridge.example.com/' }).publicUrl).toBe('https://bridge.example.com');
    expect(loadConfig({ DESKBRIDGE_SECRET_KEY: 'ab'.repeat(32) }).secretKey).toHaveLength(32);
    expect(loadConfig({ DESKBRIDGE_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') }).secretKey).toEqual(
      Buffer.alloc(32, 1),
    );
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a number \(got "abc"\)\.$/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT must be between 1 and 65535 \(got "70000"\)\.$/],
    [{ PUBLIC_URL: 'ftp://x' }, /^Invalid configuration: PUBLIC_URL must be an http:\/\/ or https:\/\/ URL/],
    [
      { LOG_LEVEL: 'loud' },
      /^Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
    ],
    [
      { DESKBRIDGE_SECRET_KEY: 'short' },
      /^Invalid configuration: DESKBRIDGE_SECRET_KEY must be 32 bytes written as 64 hex characters or as base64\.$/,
    ],
    [
      { DESKBRIDGE_INVITATION_TTL_HOURS: '0' },
      /^Invalid configuration: DESKBRIDGE_INVITATION_TTL_HOURS must be more than 0/,
    ],
  ])('refuses %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('runs sync rules in a pool sized by RULES_* (default: two workers at most, the interpreter time limit)', () => {
    expect(loadConfig({}).rules).toEqual({
      size: Math.min(2, availableParallelism()),
      queueLimit: 1000,
      timeLimitMs: 2000,
      memoryLimitMb: 256,
    });
    expect(
      loadConfig({
        RULES_WORKERS: '4',
        RULES_QUEUE_LIMIT: '50',
        RULES_TIME_LIMIT_MS: '500',
        RULES_MEMORY_LIMIT_MB: '64',
      }).rules,
    ).toEqual({ size: 4, queueLimit: 50, timeLimitMs: 500, memoryLimitMb: 64 });
    expect(() => loadConfig({ RULES_MEMORY_LIMIT_MB: '8' })).toThrow(
      'Invalid configuration: RULES_MEMORY_LIMIT_MB must be at least 32 (got "8").',
    );
    expect(() => loadConfig({ RULES_WORKERS: '0' })).toThrow(
      'Invalid configuration: RULES_WORKERS must be at least 1 (got "0").',
    );
  });

  it('never echoes the secret key in its error', () => {
    let message = '';
    try {
      loadConfig({ DESKBRIDGE_SECRET_KEY: 'not-a-key-but-secret' });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/DESKBRIDGE_SECRET_KEY/);
    expect(message).not.toContain('not-a-key-but-secret');
  });

  it('shows a rejected URL without its user, password or query, where credentials travel', () => {
    const error = () => loadConfig({ AI_BASE_URL: 'ftp://u:sk-hidden@h.example/v1?key=sk-also', AI_MODEL: 'm' });
    expect(error).toThrow(ConfigError);
    expect(error).toThrow(/AI_BASE_URL .*\(got "ftp:\/\/…@h\.example\/v1\?…"\)/);
    expect(error).not.toThrow(/sk-hidden|sk-also/);
  });

  describe('AI Assist (AI_*)', () => {
    const key = 'sk-proj-config-test-9f8e7d6c5b4a';

    it('is off by default: no endpoint, no model, no key; a minute per request, no ticket data, 20 calls an hour', () => {
      expect(loadConfig({}).ai).toEqual({
        baseUrl: null,
        apiKey: null,
        model: null,
        timeoutMs: 60_000,
        sendEntityData: false,
        requestsPerHour: 20,
      });
    });

    it('reads an OpenAI-compatible endpoint with its model and key; the base URL loses its trailing slash', () => {
      // The base URLs the README names: OpenAI's (platform.openai.com/docs/api-reference) and Ollama's OpenAI
      // compatibility endpoint (docs.ollama.com/openai), which needs no key.
      expect(
        loadConfig({
          AI_BASE_URL: 'https://api.openai.com/v1/',
          AI_MODEL: 'gpt-4.1-mini',
          AI_API_KEY: key,
          AI_TIMEOUT_MS: '15000',
          AI_SEND_ENTITY_DATA: 'true',
          AI_REQUESTS_PER_HOUR: '5',
        }).ai,
      ).toEqual({
        baseUrl: 'https://api.openai.com/v1',
        apiKey: key,
        model: 'gpt-4.1-mini',
        timeoutMs: 15_000,
        sendEntityData: true,
        requestsPerHour: 5,
      });
      expect(loadConfig({ AI_BASE_URL: 'http://localhost:11434/v1', AI_MODEL: 'llama3.2' }).ai).toMatchObject({
        baseUrl: 'http://localhost:11434/v1',
        apiKey: null,
        model: 'llama3.2',
      });
      // An empty variable is "not set", as in .env files: still off.
      expect(loadConfig({ AI_BASE_URL: '', AI_MODEL: '', AI_API_KEY: '' }).ai.baseUrl).toBeNull();
      expect(loadConfig({ AI_SEND_ENTITY_DATA: '1' }).ai.sendEntityData).toBe(true);
    });

    it.each([
      [{ AI_BASE_URL: 'https://api.openai.com/v1' }, 'Invalid configuration: AI_MODEL is required with AI_BASE_URL.'],
      [{ AI_MODEL: 'gpt-4.1-mini' }, 'Invalid configuration: AI_BASE_URL is required with AI_MODEL.'],
      [{ AI_API_KEY: 'sk-alone' }, 'Invalid configuration: AI_BASE_URL is required with AI_API_KEY.'],
      [
        { AI_BASE_URL: 'ftp://models.example.com/v1', AI_MODEL: 'm' },
        'Invalid configuration: AI_BASE_URL must be an http:// or https:// URL (got "ftp://models.example.com/v1").',
      ],
      [
        { AI_BASE_URL: 'api.openai.com/v1', AI_MODEL: 'm' },
        'Invalid configuration: AI_BASE_URL must be an http:// or https:// URL (got "api.openai.com/v1").',
      ],
      [
        { AI_BASE_URL: 'https://api.openai.com/v1', AI_MODEL: 'm'.repeat(201) },
        /^Invalid configuration: AI_MODEL must be at most 200 characters/,
      ],
      [{ AI_TIMEOUT_MS: '999' }, 'Invalid configuration: AI_TIMEOUT_MS must be at least 1000 (got "999").'],
      [{ AI_REQUESTS_PER_HOUR: '0' }, 'Invalid configuration: AI_REQUESTS_PER_HOUR must be at least 1 (got "0").'],
      [{ AI_SEND_ENTITY_DATA: 'yes' }, 'Invalid configuration: AI_SEND_ENTITY_DATA must be true or false (got "yes").'],
    ])('refuses %o with one line naming the variable', (env, message) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });

    it.each([
      ['the key without an endpoint', { AI_API_KEY: key }],
      ['an endpoint without a model', { AI_BASE_URL: 'https://api.openai.com/v1', AI_API_KEY: key }],
      ['a bad endpoint', { AI_BASE_URL: 'ftp://models.example.com', AI_MODEL: 'm', AI_API_KEY: key }],
      ['a bad time limit', { AI_TIMEOUT_MS: 'soon', AI_BASE_URL: 'https://x.example', AI_MODEL: 'm', AI_API_KEY: key }],
      ['another variable wrong', { PORT: 'abc', AI_API_KEY: key }],
    ])('never echoes AI_API_KEY in its error (%s)', (_case, env) => {
      let message = '';
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = String(error);
      }
      expect(message).toMatch(/^ConfigError: Invalid configuration: [A-Z_]+ /);
      expect(message).not.toContain(key);
      expect(message).not.toContain('sk-proj');
    });
  });
});
