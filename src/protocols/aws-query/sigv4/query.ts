// Security property: the query string is decoded once, at the byte level, into plain
// name/value pairs, and re-encoded exactly as SigV4 specifies (RFC 3986 unreserved characters
// kept, everything else %XX upper-case, sorted by encoded name then value), so the canonical form
// the server signs is the one the client signed, including duplicates and non-ASCII text.
// Bounded: the raw query length and the number of pairs are capped before any work.
import { authErrors, type AuthError } from './errors.ts';

export const MAX_QUERY_LENGTH = 64 * 1024;
export const MAX_QUERY_PAIRS = 1000;

export interface QueryPair {
  /** Decoded name and value (UTF-8; invalid sequences become U+FFFD), for reading parameters. */
  name: string;
  value: string;
  /** SigV4 URI-encoded name and value, for the canonical query string. */
  encodedName: string;
  encodedValue: string;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Decodes %XX escapes to bytes; '+' stays a literal '+'. */
function percentDecode(raw: string): Buffer | AuthError {
  const bytes = Buffer.from(raw, 'utf8');
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x25) {
      out[n++] = b;
      continue;
    }
    if (i + 2 >= bytes.length) return authErrors.malformedQuery('Incomplete trailing escape % sequence');
    const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
    if (!HEX.test(hex))
      return authErrors.malformedQuery(`Illegal hex character in escape % pattern: %${hex}`);
    out[n++] = parseInt(hex, 16);
    i += 2;
  }
  return out.subarray(0, n);
}

/** SigV4's UriEncode: A-Z a-z 0-9 - _ . ~ unchanged, every other byte as %XX (upper case). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (const b of bytes) {
    const unreserved =
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      (b >= 0x30 && b <= 0x39) ||
      b === 0x2d ||
      b === 0x5f ||
      b === 0x2e ||
      b === 0x7e ||
      (keepSlash && b === 0x2f);
    out += unreserved ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Splits and decodes a raw query string, or returns the AuthError that stops verification. */
export function parseQuery(raw: string): QueryPair[] | AuthError {
  if (raw.length > MAX_QUERY_LENGTH) return authErrors.tooLarge('The query string length', MAX_QUERY_LENGTH);
  const pairs: QueryPair[] = [];
  if (raw === '') return pairs;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    if (pairs.length >= MAX_QUERY_PAIRS)
      return authErrors.tooLarge('The number of query parameters', MAX_QUERY_PAIRS);
    const eq = part.indexOf('=');
    const name = percentDecode(eq === -1 ? part : part.slice(0, eq));
    if (!Buffer.isBuffer(name)) return name;
    const value = percentDecode(eq === -1 ? '' : part.slice(eq + 1));
    if (!Buffer.isBuffer(value)) return value;
    pairs.push({
      name: name.toString('utf8'),
      value: value.toString('utf8'),
      encodedName: uriEncodeBytes(name),
      encodedValue: uriEncodeBytes(value),
    });
  }
  return pairs;
}

/** The first value of parameter `name` (exact, case-sensitive), as AWS reads auth parameters. */
export function firstValue(pairs: readonly QueryPair[], name: string): string | undefined {
  return pairs.find((p) => p.name === name)?.value;
}

/** The canonical query string; `X-Amz-Signature` (any case) is left out, as signers do. */
export function canonicalQueryString(pairs: readonly QueryPair[]): string {
  return pairs
    .filter((p) => p.name.toLowerCase() !== 'x-amz-signature')
    .map((p) => [p.encodedName, p.encodedValue] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}
