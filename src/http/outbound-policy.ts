import { lookup as systemLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { DomainError } from '../domain/errors.ts';

/**
 * The outbound-address policy: which addresses this node may call when the URL came from a user or a remote party
 * (helpdesk URLs, destination instance URLs, the node URL in an invitation code, node-to-node calls, Xurrent webhook
 * verification callbacks). Loopback, private, link-local, metadata and the other non-public ranges are refused unless
 * the operator allows them (DESKBRIDGE_ALLOW_PRIVATE_URLS, on in local mode). A name is resolved once, every address
 * it resolves to is checked, and the connection goes to the address that was checked: a custom `lookup` on the
 * agents, so a DNS answer cannot change between the check and the connect.
 */
export const ALLOW_PRIVATE_URLS = 'DESKBRIDGE_ALLOW_PRIVATE_URLS';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundPolicy {
  /** Every address may be called (DESKBRIDGE_ALLOW_PRIVATE_URLS=true, local mode, tests on loopback). */
  readonly allowPrivate: boolean;
  /** Single addresses callable although they fall in a refused range (exceptions made in code: tests). */
  readonly allowAddresses?: readonly string[];
  /** Name resolution; getaddrinfo (what a connection uses by default) unless a test injects another. */
  readonly resolve?: Resolver;
}

const refusePrivate: OutboundPolicy = Object.freeze({ allowPrivate: false });
const allowPrivate: OutboundPolicy = Object.freeze({ allowPrivate: true });

/** The policy for a node's setting; the same object for the same setting, so its agents (and sockets) are shared. */
export function outboundPolicy(allowPrivateUrls: boolean): OutboundPolicy {
  return allowPrivateUrls ? allowPrivate : refusePrivate;
}

export type AddressRange =
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

const rangeNames: Record<AddressRange, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  shared: 'a carrier-grade NAT address',
  'link-local': 'a link-local address',
  metadata: 'the cloud metadata address',
  'unique-local': 'a unique-local (private) address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** Refused IPv4 ranges, most specific first (the metadata address sits inside link-local). */
const ipv4Ranges: [string, number, AddressRange][] = [
  ['169.254.169.254', 32, 'metadata'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** Refused IPv6 ranges; the IPv4-in-IPv6 forms are unwrapped before these are looked at. */
const ipv6Ranges: [string, number, AddressRange][] = [
  ['fd00:ec2::254', 128, 'metadata'],
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'],
  ['fc00::', 7, 'unique-local'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
];

/** IPv6 prefixes whose last 32 bits are an IPv4 address that the packet ends up at. */
const ipv4Carriers: [string, number][] = [
  ['::ffff:0:0', 96], // IPv4-mapped
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local-use NAT64
];

function ipv4Bytes(address: string): Uint8Array | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? Uint8Array.from(bytes) : null;
}

function ipv6Bytes(address: string): Uint8Array | null {
  let text = address.replace(/%.*$/, '').toLowerCase();
  const bytes = new Uint8Array(16);
  const tailV4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let v4: Uint8Array | null = null;
  if (tailV4) {
    v4 = ipv4Bytes(tailV4[1]!);
    if (!v4) return null;
    text = `${text.slice(0, -tailV4[1]!.length)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  for (const [i, group] of groups.entries()) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  if (v4) bytes.set(v4, 12);
  return bytes;
}

function inPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i / 8]! & mask) !== (prefix[i / 8]! & mask)) return false;
  }
  return true;
}

const compiledV4 = ipv4Ranges.map(([a, bits, range]) => ({ prefix: ipv4Bytes(a)!, bits, range }));
const compiledV6 = ipv6Ranges.map(([a, bits, range]) => ({ prefix: ipv6Bytes(a)!, bits, range }));
const compiledCarriers = ipv4Carriers.map(([a, bits]) => ({ prefix: ipv6Bytes(a)!, bits }));

/**
 * The refused range an IP address falls in, or null for a public address. IPv4 addresses carried in IPv6 (mapped
 * `::ffff:127.0.0.1`, compatible, NAT64) are judged by the IPv4 address they carry. Not an IP address: null.
 */
export function addressRange(address: string): AddressRange | null {
  const family = isIP(address);
  if (family === 4) {
    const bytes = ipv4Bytes(address)!;
    return compiledV4.find((r) => inPrefix(bytes, r.prefix, r.bits))?.range ?? null;
  }
  if (family !== 6) return null;
  const bytes = ipv6Bytes(address);
  if (!bytes) return null;
  // `::` and `::1` are themselves, not IPv4-compatible forms of 0.0.0.0 and 0.0.0.1.
  const special = compiledV6.find((r) => r.bits === 128 && inPrefix(bytes, r.prefix, 128));
  if (special) return special.range;
  if (compiledCarriers.some((c) => inPrefix(bytes, c.prefix, c.bits))) return addressRange(bytes.slice(12).join('.'));
  return compiledV6.find((r) => inPrefix(bytes, r.prefix, r.bits))?.range ?? null;
}

/** A call refused by the policy: it names the host, the address and its range, and the setting that allows it. */
export class OutboundRefusal extends DomainError {
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly range: AddressRange,
    /** Whether the URL names the address itself (rather than a name resolving to it). */
    readonly literal: boolean,
    subject = `the host ${hostname}`,
  ) {
    super(
      'forbidden',
      `${subject.charAt(0).toUpperCase()}${subject.slice(1)} ${literal ? 'points at' : 'resolves to'} ${rangeNames[range]} (${address}); ` +
        `set ${ALLOW_PRIVATE_URLS}=true on this DeskBridge if that is intended.`,
      { hostname, address, range },
    );
  }

  /** The same refusal, saying which URL it was about ("the helpdesk URL https://intranet.example"). */
  about(subject: string): OutboundRefusal {
    return new OutboundRefusal(this.hostname, this.address, this.range, this.literal, subject);
  }
}

function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function refusal(policy: OutboundPolicy, hostname: string, address: string, literal: boolean): OutboundRefusal | null {
  if (policy.allowPrivate || policy.allowAddresses?.includes(address)) return null;
  const range = addressRange(address);
  return range === null ? null : new OutboundRefusal(hostname, address, range, literal);
}

/**
 * Throws when the URL's host is an IP address the policy refuses. Connections to an IP address skip `lookup`, so the
 * HTTP client calls this before every request. (The URL parser has already turned `2130706433`, `0177.0.0.1` and
 * `0x7f.1` into `127.0.0.1`.)
 */
export function refuseLiteralAddress(policy: OutboundPolicy, url: URL): void {
  const host = unbracketed(url.hostname);
  if (isIP(host) === 0) return;
  const refused = refusal(policy, url.hostname, host, true);
  if (refused) throw refused;
}

const defaultResolve: Resolver = async (hostname) =>
  (await systemLookup(hostname, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Resolves a name and checks every address it resolves to; any refused address refuses the name. */
async function resolveChecked(policy: OutboundPolicy, hostname: string): Promise<ResolvedAddress[]> {
  const host = unbracketed(hostname);
  const family = isIP(host);
  if (family !== 0) {
    const refused = refusal(policy, hostname, host, true);
    if (refused) throw refused;
    return [{ address: host, family: family === 6 ? 6 : 4 }];
  }
  const addresses = await (policy.resolve ?? defaultResolve)(host);
  if (addresses.length === 0)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
  for (const { address } of addresses) {
    const refused = refusal(policy, hostname, address, false);
    if (refused) throw refused;
  }
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/http/tls: the connection goes to an address this policy checked, never to a fresh DNS answer. */
function checkedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolveChecked(policy, hostname).then(
      (addresses) => {
        const wanted =
          options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : [];
        const usable = wanted.length > 0 ? wanted : addresses;
        if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/** Keep-alive agents whose every connection goes through the policy's checked lookup. */
export interface OutboundAgents {
  readonly policy: OutboundPolicy;
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

const agentsByPolicy = new WeakMap<OutboundPolicy, Map<number, OutboundAgents>>();

/** The agents of a policy, made once per policy and socket limit so that calls share their sockets. */
export function outboundAgents(policy: OutboundPolicy, maxSockets = 64): OutboundAgents {
  let bySize = agentsByPolicy.get(policy);
  if (!bySize) {
    bySize = new Map();
    agentsByPolicy.set(policy, bySize);
  }
  let agents = bySize.get(maxSockets);
  if (!agents) {
    const lookup = checkedLookup(policy);
    agents = {
      policy,
      http: new HttpAgent({ keepAlive: true, maxSockets, lookup }),
      https: new HttpsAgent({ keepAlive: true, maxSockets, lookup }),
    };
    bySize.set(maxSockets, agents);
  }
  return agents;
}

export interface UrlShape {
  /** What the URL is, starting a sentence: "The helpdesk URL". */
  what: string;
  /** An example of a good URL, for messages. */
  example: string;
  /** http:// as well as https:// (private URLs allowed, or a node URL). */
  allowHttp: boolean;
  /** The paths allowed after the host (always `/`); undefined: any path. */
  paths?: readonly string[];
}

/**
 * Checks that a URL someone typed or sent is only what it seems: http(s), a host, no user name or password (`@`), no
 * query or fragment (a trailing `?` or `#` would cut off whatever DeskBridge appends), no backslash or blank (which
 * the URL parser silently rewrites), and only the allowed paths. Returns the URL without a trailing slash.
 */
export function checkUrlShape(raw: string, shape: UrlShape): string {
  const text = raw.trim();
  const wrong = (why: string) =>
    new DomainError('invalid_input', `${shape.what} ${why}; it looks like ${shape.example}.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f\\]/.test(text)) throw wrong('must not contain blanks, control characters or backslashes');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw wrong('is not a URL');
  }
  if (url.protocol !== 'https:' && !(shape.allowHttp && url.protocol === 'http:')) {
    throw wrong(
      shape.allowHttp
        ? 'must start with https:// or http://'
        : `must start with https:// (http:// only where ${ALLOW_PRIVATE_URLS}=true)`,
    );
  }
  // `https:host` and `https:/host` parse as `https://host`: only the plain form is what it seems.
  if (!text.toLowerCase().startsWith(`${url.protocol}//`)) throw wrong(`must start with ${url.protocol}//`);
  if (text.includes('@')) throw wrong('must not carry a user name or password (an @ before the host)');
  if (text.includes('?') || text.includes('#')) throw wrong('must not have a query (?…) or a fragment (#…)');
  if (url.hostname === '') throw wrong('must name a host');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (shape.paths && !['/', ...shape.paths].includes(path))
    throw wrong(`must be the address of the service itself, without the path ${path}`);
  return `${url.origin}${path === '/' ? '' : path}`;
}
