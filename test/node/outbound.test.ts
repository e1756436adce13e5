import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { registerInstance } from '../../src/app/instances.ts';
import { runCli } from '../../src/cli/run.ts';
import { decodeInvitation, encodeInvitation } from '../../src/domain/invitation.ts';
import { capturedIo } from '../support/cli-io.ts';
import { fixedHelpdesks, realHelpdesks } from '../support/helpdesks.ts';
import { freePort, startTestNode, type TestNode } from '../support/nodes.ts';
import { registerTestInstance, snapshot } from '../support/story.ts';

/**
 * Issue 18, finding 4 (SSRF), through real nodes: a node that does not allow private URLs (the default outside local
 * mode) calls no loopback, private or metadata address whatever URL an admin types or an invitation code names, answers
 * an open and a closed internal port alike, follows no redirect, and never shows what an internal service said.
 */
const INTERNAL_BODY = 'INTERNAL-SERVICE-BANNER build 7.3 admin token ab12cd';

let strict: TestNode;
let open: TestNode;
let internal: Server;
let internalPort: number;
let internalRequests: string[];

async function refusal(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error, 'expected a refusal').not.toBeNull();
  return error!;
}

beforeAll(async () => {
  internalRequests = [];
  internal = createServer((req, res) => {
    internalRequests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(INTERNAL_BODY);
  });
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  internalPort = (internal.address() as AddressInfo).port;
  strict = await startTestNode('strict', { env: { DESKBRIDGE_ALLOW_PRIVATE_URLS: 'false' } });
  open = await startTestNode('open');
  await registerTestInstance(strict.deps, 'acme', 'freshdesk');
  await registerTestInstance(open.deps, 'globex', 'xurrent');
});

afterAll(async () => {
  await strict?.stop();
  await open?.stop();
  internal.closeAllConnections();
  await new Promise<void>((resolve) => internal.close(() => resolve()));
});

beforeEach(() => {
  internalRequests.length = 0;
});

const initiateFrom = (node: TestNode, destinationUrl: string) =>
  initiateConnection(node.deps, {
    instance: node === strict ? 'acme' : 'globex',
    destinationUrl,
    mode: 'basic',
    localShortName: 'Acme',
    remoteShortName: 'Partner',
    name: 'Acme to Partner',
    incomingProjectId: node === strict ? '1001' : '501',
    actor: 'test:alice',
  });

describe('initiating to a destination URL', () => {
  it('refuses loopback, private and metadata destinations before connecting, naming the setting', async () => {
    const before = snapshot(strict);
    const cases: [string, RegExp][] = [
      [
        `http://127.0.0.1:${internalPort}/i/partner`,
        /^The destination instance URL http:\/\/127\.0\.0\.1:\d+\/i\/partner points at a loopback address \(127\.0\.0\.1\); set DESKBRIDGE_ALLOW_PRIVATE_URLS=true on this DeskBridge if that is intended\.$/,
      ],
      [`http://localhost:${internalPort}/i/partner`, /resolves to a loopback address \((127\.0\.0\.1|::1)\)/],
      [`http://2130706433:${internalPort}/i/partner`, /points at a loopback address \(127\.0\.0\.1\)/],
      [`http://[::ffff:127.0.0.1]:${internalPort}/i/partner`, /points at a loopback address \(::ffff:7f00:1\)/],
      ['http://169.254.169.254/latest/meta-data/', /points at the cloud metadata address \(169\.254\.169\.254\)/],
      ['http://10.0.0.1:8080/i/partner', /points at a private address \(10\.0\.0\.1\)/],
    ];
    for (const [url, message] of cases) {
      const error = await refusal(initiateFrom(strict, url));
      expect(error.message, url).toMatch(message);
    }
    expect(internalRequests).toEqual([]);
    expect(snapshot(strict)).toEqual(before);
  });

  it('answers an open and a closed internal port alike (no port scanner), without the service banner', async () => {
    const closedPort = await freePort();
    const openAnswer = await refusal(initiateFrom(strict, `http://127.0.0.1:${internalPort}/i/partner`));
    const closedAnswer = await refusal(initiateFrom(strict, `http://127.0.0.1:${closedPort}/i/partner`));
    expect(openAnswer.message.replace(String(internalPort), 'PORT')).toBe(
      closedAnswer.message.replace(String(closedPort), 'PORT'),
    );
    expect(openAnswer.message).not.toContain('INTERNAL-SERVICE-BANNER');
    expect(internalRequests).toEqual([]);
  });

  it('follows no redirect between nodes, even where private URLs are allowed', async () => {
    const redirector = createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/admin` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const port = (redirector.address() as AddressInfo).port;
      const error = await refusal(initiateFrom(open, `http://127.0.0.1:${port}/i/partner`));
      expect(error.message).toMatch(/does not follow redirects between nodes.*\(HTTP 302\)/);
      expect(internalRequests).toEqual([]);
    } finally {
      redirector.closeAllConnections();
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });
});

describe('accepting a crafted invitation code', () => {
  it('does not POST to the node URL the code names when that URL is loopback or private', async () => {
    // A genuine code from the open node to the strict one, then re-signed by someone who changed its node URL.
    const { code } = await initiateFrom(open, strict.instanceUrl('acme'));
    const { payload } = decodeInvitation(code);
    const before = snapshot(strict);
    for (const nodeUrl of [`http://127.0.0.1:${internalPort}`, `http://localhost:${internalPort}`, 'http://10.0.0.1']) {
      const crafted = encodeInvitation({ ...payload, nodeUrl }, randomBytes(32));
      const error = await refusal(
        acceptInvitation(strict.deps, {
          instance: 'acme',
          code: crafted,
          incomingProjectId: '1001',
          actor: 'test:eve',
        }),
      );
      expect(error.message, nodeUrl).toMatch(
        /^The inviting DeskBridge at http:\/\/\S+ (points at|resolves to) a (loopback|private) address \(\S+\); set DESKBRIDGE_ALLOW_PRIVATE_URLS=true/,
      );
    }
    expect(internalRequests).toEqual([]);
    expect(snapshot(strict)).toEqual(before);
  });
});

describe('registering a helpdesk URL', () => {
  it('takes only the platform URL shape, with a clear error, storing nothing and calling nobody', async () => {
    const helpdesks = fixedHelpdesks();
    const node = await startTestNode('shape', {
      connectHelpdesk: helpdesks,
      env: { DESKBRIDGE_ALLOW_PRIVATE_URLS: 'false' },
    });
    try {
      const before = snapshot(node);
      const register = (baseUrl: string) =>
        registerInstance(node.deps, {
          platform: 'freshdesk',
          baseUrl,
          credentials: { kind: 'apiKey', apiKey: 'fd-key' },
          name: 'Acme',
          actor: 'test:admin',
        });
      const cases: [string, RegExp][] = [
        ['https://acme.freshdesk.com#', /^The helpdesk URL must not have a query \(\?…\) or a fragment \(#…\)/],
        ['https://acme.freshdesk.com/?', /must not have a query/],
        ['https://acme.freshdesk.com/api/v2/tickets', /without the path \/api\/v2\/tickets/],
        ['https://admin@acme.freshdesk.com', /must not carry a user name or password/],
        [
          'http://acme.freshdesk.com',
          /must start with https:\/\/ \(http:\/\/ only where DESKBRIDGE_ALLOW_PRIVATE_URLS=true\)/,
        ],
      ];
      for (const [url, message] of cases) {
        const error = await refusal(register(url));
        expect(error.message, url).toMatch(message);
        expect(error.message, url).toContain('it looks like https://acme.freshdesk.com');
      }
      expect(helpdesks.calls).toEqual([]);
      expect(snapshot(node)).toEqual(before);
      // The same URL, plainly written, is taken (and stored without its trailing slash).
      await expect(register('https://acme.freshdesk.com/')).resolves.toMatchObject({
        baseUrl: 'https://acme.freshdesk.com',
      });
    } finally {
      await node.stop();
    }
  });

  it('`instances add` refuses a helpdesk URL that resolves to loopback, without calling it', async () => {
    const node = await startTestNode('cli', {
      connectHelpdesk: realHelpdesks({}),
      env: { DESKBRIDGE_ALLOW_PRIVATE_URLS: 'false' },
    });
    try {
      const { io, err } = capturedIo();
      // The operator's terminal outside local mode: the service's own policy.
      const env = { DESKBRIDGE_DATA_DIR: node.dataDir, LOG_LEVEL: 'silent', LOCAL_MODE: 'off' };
      const args = ['instances', 'add', '--platform', 'freshdesk', '--name', 'Acme', '--api-key', 'k'];
      const code = await runCli([...args, '--url', `https://localhost:${internalPort}`], io, env);
      expect(code).not.toBe(0);
      expect(err()).toMatch(
        /The Freshdesk URL https:\/\/localhost:\d+ resolves to a loopback address \((127\.0\.0\.1|::1)\); set DESKBRIDGE_ALLOW_PRIVATE_URLS=true on this DeskBridge if that is intended\./,
      );
      expect(internalRequests).toEqual([]);
    } finally {
      await node.stop();
    }
  });
});
