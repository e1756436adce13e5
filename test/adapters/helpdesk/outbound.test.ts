import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import type { HelpdeskTarget } from '../../../src/domain/helpdesk.ts';
import { outboundPolicy, type OutboundPolicy } from '../../../src/http/outbound-policy.ts';
import { expectDomainError, manualClock } from './support.ts';

/**
 * Issue 18, finding 4: the connectors call the helpdesk through the outbound-address policy, follow no redirect to
 * another host (nor any hop to a refused address), and never show what a non-helpdesk service answered.
 */
const INTERNAL_PAGE = '<html><body>INTERNAL-ADMIN-PANEL root password hunter2</body></html>';

interface Fake {
  server: Server;
  url: string;
  paths: string[];
}

async function fakeServer(answer: (path: string, res: import('node:http').ServerResponse) => void): Promise<Fake> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    answer(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

let scenario = '';
let helpdesk: Fake;
let elsewhere: Fake;

beforeAll(async () => {
  elsewhere = await fakeServer((_path, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":666}');
  });
  const elsewherePort = new URL(elsewhere.url).port;
  helpdesk = await fakeServer((path, res) => {
    if (path === '/api/v2/agents/me' && scenario === 'redirect-to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' });
    } else if (path === '/api/v2/agents/me' && scenario === 'redirect-to-another-host') {
      res.writeHead(302, { location: `http://localhost:${elsewherePort}/api/v2/agents/me` });
    } else if (path === '/api/v2/agents/me' && scenario === 'redirect-on-the-same-host') {
      res.writeHead(301, { location: '/api/v2/agents/me/moved' });
    } else if (path === '/api/v2/agents/me/moved') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":1}');
      return;
    } else if (path === '/files/report.pdf') {
      res.writeHead(302, { location: 'http://10.0.0.1/internal/report.pdf' });
    } else {
      res.writeHead(scenario === 'internal-404' ? 404 : 500, { 'content-type': 'text/html' });
      res.end(INTERNAL_PAGE);
      return;
    }
    res.end();
  });
});

afterAll(async () => {
  for (const fake of [helpdesk, elsewhere]) {
    fake.server.closeAllConnections();
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
  }
});

beforeEach(() => {
  helpdesk.paths.length = 0;
  elsewhere.paths.length = 0;
});

const target = (baseUrl: string): HelpdeskTarget => ({
  platform: 'freshdesk',
  baseUrl,
  credentials: { kind: 'apiKey', apiKey: 'fd-key-outbound' },
});

/** The strict policy, with the fake helpdesk's address made an exception: it stands in for a public helpdesk. */
const helpdeskIsPublic: OutboundPolicy = { allowPrivate: false, allowAddresses: ['127.0.0.1'] };

function connector(policy: OutboundPolicy) {
  return createHelpdesk(target(helpdesk.url), { outbound: policy, clock: manualClock(), maxAttempts: 1 });
}

describe('helpdesk connectors under the outbound-address policy', () => {
  it('refuse a helpdesk on loopback before any request, saying which setting allows it', async () => {
    const sim = await startFreshdeskSimulator({ apiKey: 'fd-key-outbound' });
    try {
      await expectDomainError(
        createHelpdesk(target(sim.url), { outbound: outboundPolicy(false) }).verifyCredentials(),
        'forbidden',
        new RegExp(
          `^The Freshdesk URL ${sim.url.replace(/[.]/g, '\\.')} points at a loopback address \\(127\\.0\\.0\\.1\\); set DESKBRIDGE_ALLOW_PRIVATE_URLS=true on this DeskBridge if that is intended\\.$`,
        ),
      );
      expect(sim.requests.total).toBe(0);
      // Allowed, the same call goes through.
      await createHelpdesk(target(sim.url), { outbound: outboundPolicy(true) }).verifyCredentials();
      expect(sim.requests.total).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it('do not follow a redirect to the metadata address or to another host', async () => {
    scenario = 'redirect-to-metadata';
    await expectDomainError(
      connector(helpdeskIsPublic).verifyCredentials(),
      'helpdesk_unavailable',
      /^Freshdesk redirected a credentials check to http:\/\/169\.254\.169\.254, which DeskBridge does not follow \(another host than the helpdesk\)\. Check the instance URL\.$/,
    );
    scenario = 'redirect-to-another-host';
    await expectDomainError(
      connector(helpdeskIsPublic).verifyCredentials(),
      'helpdesk_unavailable',
      /redirected a credentials check to http:\/\/localhost:\d+, which DeskBridge does not follow \(another host/,
    );
    expect(elsewhere.paths).toEqual([]);
    expect(helpdesk.paths).toEqual(['/api/v2/agents/me', '/api/v2/agents/me']);
  });

  it('follow a redirect on the helpdesk host itself', async () => {
    scenario = 'redirect-on-the-same-host';
    await connector(helpdeskIsPublic).verifyCredentials();
    expect(helpdesk.paths).toEqual(['/api/v2/agents/me', '/api/v2/agents/me/moved']);
  });

  it('check every hop of an attachment download: a redirect to a private address is refused, not called', async () => {
    const download = connector(helpdeskIsPublic).downloadAttachment('7', {
      id: '70',
      filename: 'report.pdf',
      mimetype: 'application/pdf',
      filesize: 10,
      created: null,
      url: `${helpdesk.url}/files/report.pdf`,
    });
    await expectDomainError(
      download,
      'forbidden',
      /^The Freshdesk URL http:\/\/10\.0\.0\.1 points at a private address \(10\.0\.0\.1\); set DESKBRIDGE_ALLOW_PRIVATE_URLS=true/,
    );
    expect(helpdesk.paths).toEqual(['/files/report.pdf']);
  });

  it('never show the page a non-helpdesk service answered', async () => {
    for (const name of ['internal-404', 'internal-500']) {
      scenario = name;
      const error = await connector(helpdeskIsPublic)
        .verifyCredentials()
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(error?.message).toMatch(name === 'internal-404' ? /^Freshdesk has no a credentials check/ : /HTTP 500/);
      expect(error?.message).not.toMatch(/INTERNAL-ADMIN-PANEL|hunter2|<html>/);
    }
  });
});
