// Who is on the other end of a request, and how they reached us. Behind a reverse proxy the socket
// is the proxy's; the proxies named in PORTCULLIS_TRUSTED_PROXIES, and only they, may say who their
// client was (X-Forwarded-For / X-Forwarded-Proto, or RFC 7239 Forwarded). Their chain is walked
// from the right, the hop nearest us first: each trusted hop vouches for the one before it, and the
// first hop that is not trusted is the client (what it says about earlier hops could be forged).
//
// The API (aws:SourceIp, aws:SecureTransport) and the console (its throttles, cookies' Secure flag,
// Origin checks and absolute URLs) all read the same answer, made once per request by the server.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Client {
  /** The client's address as AWS reports it (an IPv4 client never as ::ffff:a.b.c.d). */
  readonly ip: string;
  /** Whether the client's own connection (to us or to the first trusted proxy) was TLS. */
  readonly secure: boolean;
}

export interface ClientSettings {
  readonly trustedProxies: TrustedProxies | undefined;
  /** The public origin (scheme://host[:port]), when PORTCULLIS_PUBLIC_URL names it. */
  readonly publicOrigin: string | undefined;
}

export interface TrustedProxies {
  has(address: string): boolean;
}

/** The most hops read from one request's forwarding headers: no real chain is longer. */
const MAX_HOPS = 32;
/** Forwarding headers longer than this are not read at all (the socket's address is used). */
const MAX_HEADER_LENGTH = 4096;

/**
 * Comma-separated addresses and CIDRs (IPv4 or IPv6); `loopback` stands for 127.0.0.0/8 and ::1.
 * Throws on anything else, so a typo stops the server instead of trusting nobody (or everybody).
 */
export function parseTrustedProxies(text: string): TrustedProxies {
  const list = new BlockList();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d{1,3}$/.test(prefix!) || bits > maxBits))
    )
      throw new Error(`PORTCULLIS_TRUSTED_PROXIES: not an IP address or CIDR: ${entry}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, bits, type);
  }
  return {
    has(address) {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** The public origin of PORTCULLIS_PUBLIC_URL (http or https, no path beyond "/"). */
export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`PORTCULLIS_PUBLIC_URL is not a URL: ${text}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw new Error('PORTCULLIS_PUBLIC_URL must be an http:// or https:// origin');
  if (url.pathname !== '/' || url.search || url.hash)
    throw new Error('PORTCULLIS_PUBLIC_URL must name an origin only (Portcullis is served at "/")');
  return url.origin;
}

const resolved = new WeakMap<IncomingMessage, Client>();
let settings: ClientSettings = { trustedProxies: undefined, publicOrigin: undefined };

/** Set once by the composition root, before the server listens. */
export function configureClients(next: ClientSettings): void {
  settings = next;
}

/** The client of a request, worked out once (the server asks first; later callers get the same). */
export function clientOf(req: IncomingMessage): Client {
  let client = resolved.get(req);
  if (!client) {
    client = resolveClient(req, settings.trustedProxies);
    resolved.set(req, client);
  }
  return client;
}

/** The client of a request, worked out and not kept (the Query endpoint asks once per request). */
export function clientOfRequest(req: IncomingMessage): Client {
  return resolveClient(req, settings.trustedProxies);
}

/**
 * The origin browsers see: PORTCULLIS_PUBLIC_URL's, or else the scheme the client used and the
 * Host it asked for.
 */
export function publicOriginOf(req: IncomingMessage): string {
  if (settings.publicOrigin) return settings.publicOrigin;
  const scheme = clientOf(req).secure ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}

/** Whether browsers reach us over https: cookies are then Secure (and take the __Host- prefix). */
export function publicSchemeIsHttps(req: IncomingMessage): boolean {
  return publicOriginOf(req).startsWith('https:');
}

export function resolveClient(req: IncomingMessage, trusted: TrustedProxies | undefined): Client {
  let ip = plainAddress(req.socket.remoteAddress ?? '');
  let secure = (req.socket as Partial<TLSSocket>).encrypted === true;
  if (!trusted || !trusted.has(ip)) return { ip, secure };
  const hops = forwardedHops(req);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    // What this trusted hop says about the connection it received.
    if (hop.proto === 'https') secure = true;
    else if (hop.proto === 'http') secure = false;
    const address = hop.for === undefined ? '' : plainAddress(hop.for);
    if (isIP(address) === 0) break; // "unknown", an obfuscated name: the chain ends at this hop
    ip = address;
    if (!trusted.has(ip)) break;
  }
  return { ip, secure };
}

interface Hop {
  readonly for: string | undefined;
  readonly proto: string | undefined;
}

/** The hops the forwarding headers list, leftmost (furthest) first. Forwarded wins when sent. */
function forwardedHops(req: IncomingMessage): Hop[] {
  const forwarded = headerText(req.headers.forwarded);
  if (forwarded !== undefined) return parseForwarded(forwarded);
  const fors = listOf(headerText(req.headers['x-forwarded-for']));
  const protos = listOf(headerText(req.headers['x-forwarded-proto'])).map((p) => p.toLowerCase());
  // Each proxy appends to both lists, so they line up from the right; a proxy that sets a single
  // X-Forwarded-Proto speaks for the hop nearest it.
  return fors.map((address, i) => ({
    for: address,
    proto: protos[protos.length - (fors.length - i)],
  }));
}

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  return text === undefined || text.length > MAX_HEADER_LENGTH ? undefined : text;
}

function listOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .slice(-MAX_HOPS)
    .map((part) => part.trim());
}

/** RFC 7239: elements separated by commas, pairs by semicolons, values tokens or quoted strings. */
export function parseForwarded(text: string): Hop[] {
  const hops: Hop[] = [];
  let pairs = new Map<string, string>();
  let i = 0;
  const finishElement = () => {
    hops.push({ for: pairs.get('for'), proto: pairs.get('proto')?.toLowerCase() });
    pairs = new Map();
  };
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const name = text.slice(i, eq).trim().toLowerCase();
    let value = '';
    let j = eq + 1;
    if (text[j] === '"') {
      j++;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') j++;
        value += text[j] ?? '';
        j++;
      }
      j++;
    } else {
      while (j < text.length && text[j] !== ';' && text[j] !== ',') value += text[j++];
      value = value.trim();
    }
    if (!pairs.has(name)) pairs.set(name, value);
    while (j < text.length && text[j] === ' ') j++;
    const separator = text[j];
    i = j + 1;
    if (separator === ',' || j >= text.length) finishElement();
  }
  if (pairs.size > 0) finishElement();
  return hops.slice(-MAX_HOPS);
}

/** An address without brackets, port or IPv4-mapped prefix; anything else as given. */
function plainAddress(text: string): string {
  let address = text.trim();
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    address = end < 0 ? address : address.slice(1, end);
  } else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) {
    address = address.slice(0, address.lastIndexOf(':'));
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
