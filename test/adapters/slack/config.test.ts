import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';

const base = { DESKBRIDGE_DATA_DIR: '/tmp/x' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('Slack configuration', () => {
  it('is off unless configured', () => {
    expect(loadConfig(base).slack).toBeNull();
  });

  it('takes a single-workspace token, OAuth installs or Socket Mode', () => {
    expect(
      loadConfig({
        ...base,
        SLACK_SIGNING_SECRET: 'signing-secret',
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_API_URL: 'http://127.0.0.1:9/api',
      }).slack,
    ).toEqual({
      signingSecret: 'signing-secret',
      botToken: 'xoxb-1',
      oauth: null,
      appToken: null,
      apiUrl: 'http://127.0.0.1:9/api/',
    });
    expect(
      loadConfig({
        ...base,
        SLACK_SIGNING_SECRET: 'signing-secret',
        SLACK_CLIENT_ID: '123.456',
        SLACK_CLIENT_SECRET: 'client-secret',
      }).slack?.oauth,
    ).toEqual({
      clientId: '123.456',
      clientSecret: 'client-secret',
    });
    expect(loadConfig({ ...base, SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }).slack).toMatchObject({
      appToken: 'xapp-1',
      signingSecret: null,
    });
  });

  it('stops start-up with one line naming the variable, never echoing a secret', () => {
    expect(refusal({ SLACK_SIGNING_SECRET: 'signing-secret', SLACK_BOT_TOKEN: 'xoxp-user-token' })).toBe(
      'Invalid configuration: SLACK_BOT_TOKEN must be a bot token (xoxb-...).',
    );
    expect(refusal({ SLACK_BOT_TOKEN: 'xoxb-1' })).toBe(
      'Invalid configuration: SLACK_SIGNING_SECRET is required to serve Slack over HTTP.',
    );
    expect(refusal({ SLACK_SIGNING_SECRET: 'signing-secret' })).toMatch(
      /^Invalid configuration: SLACK_BOT_TOKEN or SLACK_CLIENT_ID/,
    );
    expect(refusal({ SLACK_SIGNING_SECRET: 'signing-secret', SLACK_CLIENT_ID: '123.456' })).toBe(
      'Invalid configuration: SLACK_CLIENT_SECRET is required with SLACK_CLIENT_ID.',
    );
    expect(
      refusal({ SLACK_SIGNING_SECRET: 'signing-secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'ftp://x' }),
    ).toBe('Invalid configuration: SLACK_API_URL must be an http:// or https:// URL (got "ftp://x").');
    expect(refusal({ SLACK_SIGNING_SECRET: 'short', SLACK_BOT_TOKEN: 'xoxb-1' })).not.toContain('short"');
  });
});
