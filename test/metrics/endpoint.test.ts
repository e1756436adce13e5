import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { PortInUseError } from '../../src/http/port-in-use.ts';
import { createLogger } from '../../src/logger.ts';
import { startService } from '../../src/service.ts';
import { freePort, loopbackNodeEnv, tempDir } from '../support/nodes.ts';
import { parseExposition, sumOf } from '../support/prometheus-text.ts';
import { startSyncNode, type SyncNode } from '../support/sync-nodes.ts';

/**
 * Where /metrics is served (METRICS_TOKEN, METRICS_PORT): not at all by default; on the public port only behind the
 * token; on its own port on 127.0.0.1 otherwise. Never open on the public port.
 */
const TOKEN = 'endpoint-token-0123456789abcdef';

describe('where /metrics is served', () => {
  const started: SyncNode[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.stop()));
  });
  const node = async (env: Record<string, string>) => {
    const n = await startSyncNode('metrics-endpoint', env);
    started.push(n);
    return n;
  };
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    return { status: res.status, text: await res.text() };
  };

  it('is not served at all without METRICS_TOKEN or METRICS_PORT, and nothing is counted', async () => {
    const n = await node({});
    const res = await get(`${n.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('deskbridge_');
    expect(n.deps.metrics).toBeUndefined();
  });

  it('with METRICS_PORT alone: open on 127.0.0.1 at that port only, and not on the public port', async () => {
    const port = await freePort();
    const n = await node({ METRICS_PORT: String(port) });
    expect((await get(`${n.url}/metrics`)).status).toBe(404);
    const res = await get(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(sumOf(parseExposition(res.text), 'deskbridge_connections', { status: 'active' })).toBe(0);
    // Bound to 127.0.0.1 itself, not to every address: another loopback address of this machine finds nobody.
    await expect(fetch(`http://127.0.0.2:${port}/metrics`)).rejects.toThrow();
  });

  it('with METRICS_PORT and METRICS_TOKEN: the token is asked on the metrics port too', async () => {
    const port = await freePort();
    const n = await node({ METRICS_PORT: String(port), METRICS_TOKEN: TOKEN });
    expect((await get(`${n.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    const refused = await get(`http://127.0.0.1:${port}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain('deskbridge_');
    const res = await get(`http://127.0.0.1:${port}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(parseExposition(res.text).types.get('deskbridge_queue_depth')).toBe('gauge');
  });

  it('stops start-up with one line naming METRICS_PORT when that port is taken', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const dataDir = tempDir('deskbridge-metrics-port-');
    try {
      const config = loadConfig({ ...loopbackNodeEnv(await freePort(), dataDir), METRICS_PORT: String(port) });
      const failed = startService({ config, logger: createLogger('silent') });
      await expect(failed).rejects.toBeInstanceOf(PortInUseError);
      await expect(failed).rejects.toThrow(
        `Port ${port} on 127.0.0.1 is already in use, so DeskBridge metrics cannot listen on it. Stop the program that uses it, or set METRICS_PORT to a free port.`,
      );
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the METRICS_* settings', () => {
  const base = { PORT: '3000' };
  const problem = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it('are off by default', () => {
    expect(loadConfig(base).metrics).toEqual({ token: null, port: null });
  });

  it('take a bearer token and a port', () => {
    expect(loadConfig({ ...base, METRICS_TOKEN: TOKEN, METRICS_PORT: '9464' }).metrics).toEqual({
      token: TOKEN,
      port: 9464,
    });
  });

  it('refuse a short or malformed token without showing it', () => {
    const short = problem({ METRICS_TOKEN: 'tooshort' });
    expect(short).toBe(
      'Invalid configuration: METRICS_TOKEN must be at least 16 characters (a random string: openssl rand -hex 32).',
    );
    const spaced = problem({ METRICS_TOKEN: 'has a space 0123456789' });
    expect(spaced).toBe(
      'Invalid configuration: METRICS_TOKEN must be a bearer token: letters, digits and - . _ ~ + / (= at the end).',
    );
    expect(spaced).not.toContain('0123456789');
  });

  it('refuse a port that is not one, or the service port itself', () => {
    expect(problem({ METRICS_PORT: 'abc' })).toBe('Invalid configuration: METRICS_PORT must be a number (got "abc").');
    expect(problem({ METRICS_PORT: '70000' })).toBe(
      'Invalid configuration: METRICS_PORT must be between 1 and 65535 (got "70000").',
    );
    expect(problem({ METRICS_PORT: '3000' })).toBe('Invalid configuration: METRICS_PORT must differ from PORT (3000).');
  });
});
