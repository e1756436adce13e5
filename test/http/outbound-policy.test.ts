import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lightRequest } from '../../src/http/light-client.ts';
import {
  addressRange,
  checkUrlShape,
  OutboundRefusal,
  outboundAgents,
  outboundPolicy,
  type OutboundPolicy,
  type Resolver,
} from '../../src/http/outbound-policy.ts';

/**
 * Issue 18, finding 4 (SSRF): the outbound-address policy. Ranges as the IANA special-purpose registries list them
 * (IPv4: RFC 1918 private, RFC 6598 shared/CGNAT 100.64/10, RFC 3927 link-local, RFC 5735 loopback and "this
 * network", RFC 5737 documentation; IPv6: RFC 4291 loopback/unspecified/link-local/IPv4-mapped, RFC 4193
 * unique-local fc00::/7, RFC 6052 NAT64 64:ff9b::/96), plus the cloud metadata addresses AWS documents
 * (169.254.169.254 and, on Nitro instances over IPv6, fd00:ec2::254).
 */
let server: Server;
let port: number;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ reached: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function get(url: string, policy: OutboundPolicy) {
  return lightRequest(url, { method: 'GET', headers: {}, timeoutMs: 2000 }, outboundAgents(policy));
}

async function refusalOf(promise: Promise<unknown>): Promise<OutboundRefusal> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundRefusal);
  return error as OutboundRefusal;
}

describe('addressRange', () => {
  it('names the refused range of every non-public address, IPv4 carried in IPv6 included', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'shared'],
      ['100.127.255.255', 'shared'],
      ['169.254.169.254', 'metadata'],
      ['169.254.1.1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.10', 'reserved'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['fc00::1', 'unique-local'],
      ['fd12:3456:789a::1', 'unique-local'],
      ['fd00:ec2::254', 'metadata'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0:0:0:0:0:ffff:a00:1', 'private'],
      ['::ffff:169.254.169.254', 'metadata'],
      ['64:ff9b::a9fe:a9fe', 'metadata'],
      ['::127.0.0.1', 'loopback'],
    ];
    for (const [address, range] of cases) expect([address, addressRange(address)]).toEqual([address, range]);
  });

  it('leaves public addresses alone', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111']) {
      expect([address, addressRange(address)]).toEqual([address, null]);
    }
  });
});

describe('the light client under the strict policy', () => {
  const strict = outboundPolicy(false);

  it('refuses the loopback address in every literal form, before connecting', async () => {
    const before = requests;
    // The WHATWG URL parser reads decimal, octal and hex IPv4 as 127.0.0.1, and keeps the IPv6 forms.
    for (const host of [
      '2130706433',
      '0177.0.0.1',
      '0x7f.0.0.1',
      '0x7f000001',
      '127.1',
      '[::ffff:127.0.0.1]',
      '[::1]',
    ]) {
      const refused = await refusalOf(get(`http://${host}:${port}/`, strict));
      expect(refused.message).toMatch(/points at a loopback address \((127\.0\.0\.1|::ffff:7f00:1|::1)\)/);
      expect(refused.message).toContain(
        'set DESKBRIDGE_ALLOW_PRIVATE_URLS=true on this DeskBridge if that is intended',
      );
    }
    expect(requests).toBe(before);
  });

  it('refuses a name that resolves to a private address, checking every address it resolves to', async () => {
    const resolve: Resolver = async (hostname) =>
      hostname === 'intranet.example'
        ? [{ address: '10.0.0.1', family: 4 }]
        : [
            { address: '93.184.215.14', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ];
    const policy: OutboundPolicy = { allowPrivate: false, resolve };
    const intranet = await refusalOf(get('http://intranet.example/', policy));
    expect(intranet.message).toBe(
      'The host intranet.example resolves to a private address (10.0.0.1); set DESKBRIDGE_ALLOW_PRIVATE_URLS=true on this DeskBridge if that is intended.',
    );
    const mixed = await refusalOf(get(`http://mixed.example:${port}/`, policy));
    expect(mixed.message).toContain('resolves to a loopback address (127.0.0.1)');
    expect(intranet.about('the helpdesk URL https://intranet.example').message).toMatch(
      /^The helpdesk URL https:\/\/intranet\.example resolves to a private address \(10\.0\.0\.1\)/,
    );
  });

  it('refuses localhost (the system resolver) and the metadata address', async () => {
    const before = requests;
    expect((await refusalOf(get(`http://localhost:${port}/`, strict))).message).toMatch(
      /^The host localhost resolves to a loopback address \((127\.0\.0\.1|::1)\)/,
    );
    expect((await refusalOf(get('http://169.254.169.254/latest/meta-data/', strict))).message).toContain(
      'points at the cloud metadata address (169.254.169.254)',
    );
    expect(requests).toBe(before);
  });

  it('connects to the address it checked: one resolution, no second DNS answer between check and connect', async () => {
    let resolutions = 0;
    // A name no real resolver knows, so reaching the server proves the connection used the checked answer.
    const resolve: Resolver = async () => {
      resolutions += 1;
      return resolutions === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }];
    };
    const policy: OutboundPolicy = { allowPrivate: false, allowAddresses: ['127.0.0.1'], resolve };
    const response = await get(`http://rebind.invalid:${port}/pinned`, policy);
    expect(JSON.parse(Buffer.from(response.bytes).toString())).toEqual({ reached: '/pinned' });
    expect(resolutions).toBe(1);
  });

  it('calls loopback when private URLs are allowed', async () => {
    const response = await get(`http://127.0.0.1:${port}/ok`, outboundPolicy(true));
    expect(response.status).toBe(200);
  });
});

describe('checkUrlShape', () => {
  const helpdesk = { what: 'The helpdesk URL', example: 'https://acme.freshdesk.com', allowHttp: false, paths: [] };

  it('keeps a plain https URL of a host, without its trailing slash', () => {
    expect(checkUrlShape('https://acme.freshdesk.com/', helpdesk)).toBe('https://acme.freshdesk.com');
    expect(checkUrlShape(' https://ACME.freshdesk.com ', helpdesk)).toBe('https://acme.freshdesk.com');
    expect(checkUrlShape('https://api.xurrent.com/v1', { ...helpdesk, paths: ['/v1'] })).toBe(
      'https://api.xurrent.com/v1',
    );
    expect(checkUrlShape('http://127.0.0.1:4101', { ...helpdesk, allowHttp: true })).toBe('http://127.0.0.1:4101');
  });

  it('refuses every trick with a message saying what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['https://acme.freshdesk.com#', /must not have a query \(\?…\) or a fragment \(#…\)/],
      ['https://acme.freshdesk.com/?x=1', /must not have a query/],
      ['https://user:pw@acme.freshdesk.com', /must not carry a user name or password/],
      ['https://acme.freshdesk.com@evil.example', /must not carry a user name or password/],
      ['https://acme.freshdesk.com/api/v2', /without the path \/api\/v2/],
      [
        'http://acme.freshdesk.com',
        /must start with https:\/\/ \(http:\/\/ only where DESKBRIDGE_ALLOW_PRIVATE_URLS=true\)/,
      ],
      ['https:acme.freshdesk.com', /must start with https:\/\//],
      ['https://acme.freshdesk.com\\@evil.example', /backslashes/],
      ['https://acme.fresh\tdesk.com', /blanks, control characters/],
      ['ftp://acme.freshdesk.com', /must start with https:\/\//],
      ['acme.freshdesk.com', /is not a URL/],
    ];
    for (const [raw, message] of cases) {
      expect(() => checkUrlShape(raw, helpdesk), raw).toThrow(message);
      expect(() => checkUrlShape(raw, helpdesk), raw).toThrow(
        /^The helpdesk URL .*; it looks like https:\/\/acme\.freshdesk\.com\.$/,
      );
    }
  });
});
