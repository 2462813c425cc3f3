// Security property: the canonical request, string to sign and signature are computed exactly
// as AWS's SigV4 specification (and the AWS SDKs) do, from the request as received, so any
// change to the method, path, query, a signed header or the body changes the signature.
// Header values are canonicalized with bounded work (MAX_CANONICAL_HEADERS_LENGTH).
import { hmacSha256, sha256Hex } from '../../../crypto/hmac.ts';
import { authErrors, type AuthError } from './errors.ts';
import { uriEncodeBytes } from './query.ts';

export const MAX_CANONICAL_HEADERS_LENGTH = 64 * 1024;

/**
 * The canonical URI for non-S3 services: "." and ".." segments and empty segments removed
 * (RFC 3986 normalization, as the AWS SDKs do), then each segment URI-encoded once more on top
 * of the raw, already-encoded path (AWS: "each path segment must be URI-encoded twice").
 */
export function canonicalUri(rawPath: string): string {
  // Every Query request goes to "/".
  if (rawPath === '/' || rawPath === '') return '/';
  const path = rawPath;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const leading = path.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return leading + segments.map((s) => uriEncodeBytes(Buffer.from(s, 'utf8'))).join('/') + trailing;
}

/** Whether a value has anything canonicalValue changes (most values have not). */
const NEEDS_CANONICALIZING = /[\r\n\t]| {2}|^ | $/;

/** Trims a header value and collapses runs of spaces and tabs (line breaks count as spaces). */
function canonicalValue(value: string): string {
  if (!NEEDS_CANONICALIZING.test(value)) return value;
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

/**
 * The canonical headers block ("name:value\n" per signed header present in the request, repeated
 * headers joined with ",") or an AuthError if it would exceed the work bound.
 */
export function canonicalHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  signedHeaders: readonly string[],
): string | AuthError {
  let out = '';
  for (const name of signedHeaders) {
    if (!Object.hasOwn(headers, name)) continue;
    const raw = headers[name];
    if (raw === undefined) continue;
    const value = typeof raw === 'string' ? canonicalValue(raw) : raw.map(canonicalValue).join(',');
    out += `${name}:${value}\n`;
    if (out.length > MAX_CANONICAL_HEADERS_LENGTH)
      return authErrors.tooLarge('The signed headers length', MAX_CANONICAL_HEADERS_LENGTH);
  }
  return out;
}

export interface CanonicalParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalParts): string {
  return [
    p.method,
    p.canonicalUri,
    p.canonicalQuery,
    p.canonicalHeaders,
    p.signedHeaders.join(';'),
    p.payloadHash,
  ].join('\n');
}

/** `AWS4-HMAC-SHA256\n<time>\n<scope>\n<hex sha256 of the canonical request>`. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
}

/**
 * kSigning = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request". The same key
 * serves a whole day, so the last few hundred are remembered (in memory only, as the secrets are)
 * instead of running four HMACs on every request.
 */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secretAccessKey}\u0000${date}\u0000${region}\u0000${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmacSha256(`AWS4${secretAccessKey}`, date);
    for (const part of [region, service, 'aws4_request']) key = hmacSha256(key, part);
    if (signingKeys.size >= SIGNING_KEY_CACHE_SIZE) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

const SIGNING_KEY_CACHE_SIZE = 1024;
const signingKeys = new Map<string, Buffer>();

/** The lower-case hex signature of `toSign` under the derived signing key. */
export function signature(key: Buffer, toSign: string): string {
  return hmacSha256(key, toSign).toString('hex');
}
