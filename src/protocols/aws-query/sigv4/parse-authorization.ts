// Security property: the authentication parameters are read from exactly one place (the
// Authorization header or the X-Amz-* query parameters, never a mix of both), checked for
// completeness before anything is looked up, and bounded in size, with AWS's error for each gap.
import { authErrors, HEADER_MISSING, QUERY_MISSING, type AuthError } from './errors.ts';
import { firstValue, type QueryPair } from './query.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const MAX_AUTHORIZATION_LENGTH = 8 * 1024;
export const MAX_SIGNED_HEADERS = 64;
/** A presigned URL may live at most seven days (SigV4 limit). */
export const MAX_EXPIRES_SECONDS = 604_800;

export interface AuthParams {
  presigned: boolean;
  /** `AKID/YYYYMMDD/region/service/aws4_request`, unparsed. */
  credential: string;
  signature: string;
  /** Lower-case, sorted. */
  signedHeaders: readonly string[];
  /** The raw X-Amz-Date (or Date header) value. */
  timestamp: string;
  /** True when `timestamp` came from the Date header (which may be an HTTP date). */
  fromDateHeader: boolean;
  sessionToken: string | undefined;
  /** X-Amz-Expires of a presigned request, when given. */
  expiresSeconds: number | undefined;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The first value of a header, or undefined (no prototype keys: own properties only). */
export function headerValue(headers: Headers, name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Whether a SignedHeaders list is already in canonical form, as every SDK writes it. */
const CANONICAL_LIST = /^[a-z0-9!#$%&'*+.^_`|~-]+(?:;[a-z0-9!#$%&'*+.^_`|~-]+)*$/;

// Clients send the same SignedHeaders list on every request: the last one split is kept.
let lastSplit: { list: string; names: readonly string[] } | undefined;

function splitSignedHeaders(list: string): readonly string[] | AuthError {
  if (lastSplit?.list === list) return lastSplit.names;
  const names = splitHeaderList(list);
  if (Array.isArray(names)) lastSplit = { list, names: Object.freeze(names) };
  return names;
}

function isList(value: readonly string[] | AuthError): value is readonly string[] {
  return Array.isArray(value);
}

function splitHeaderList(list: string): string[] | AuthError {
  const names = CANONICAL_LIST.test(list)
    ? list.split(';')
    : list.split(';').map((h) => h.trim().toLowerCase());
  if (names.length > MAX_SIGNED_HEADERS)
    return authErrors.tooLarge('The number of signed headers', MAX_SIGNED_HEADERS);
  return names.sort();
}

/** Picks the authentication style and reads its parameters, in AWS's order of checks. */
export function extractAuthParams(headers: Headers, query: readonly QueryPair[]): AuthParams | AuthError {
  const authorization = headerValue(headers, 'authorization');
  const queryAlgorithm = firstValue(query, 'X-Amz-Algorithm');
  if (authorization !== undefined && queryAlgorithm !== undefined) return authErrors.signatureDoesNotMatch();
  if (authorization !== undefined) return fromAuthorizationHeader(authorization, headers);
  if (queryAlgorithm !== undefined) return fromQuery(queryAlgorithm, query);
  return authErrors.missingAuthenticationToken();
}

function fromAuthorizationHeader(raw: string, headers: Headers): AuthParams | AuthError {
  if (raw.length > MAX_AUTHORIZATION_LENGTH)
    return authErrors.tooLarge('The Authorization header length', MAX_AUTHORIZATION_LENGTH);
  const header = raw.trim();
  const space = header.search(/\s/);
  const algorithm = space === -1 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) return authErrors.unsupportedAlgorithm(algorithm);

  let credential: string | undefined;
  let signature: string | undefined;
  let signedHeaders: string | undefined;
  for (const untrimmed of (space === -1 ? '' : header.slice(space)).split(',')) {
    const parameter = untrimmed.trim();
    if (parameter === '') continue;
    const eq = parameter.indexOf('=');
    if (eq === -1) return authErrors.notKeyValuePair(parameter, header);
    // The last value of a key wins, as at AWS; other keys are ignored.
    const name = parameter.slice(0, eq);
    if (name === 'Credential') credential = parameter.slice(eq + 1);
    else if (name === 'Signature') signature = parameter.slice(eq + 1);
    else if (name === 'SignedHeaders') signedHeaders = parameter.slice(eq + 1);
  }

  const missing: string[] = [];
  if (credential === undefined) missing.push(HEADER_MISSING.credential);
  if (signature === undefined) missing.push(HEADER_MISSING.signature);
  if (signedHeaders === undefined) missing.push(HEADER_MISSING.signedHeaders);
  const amzDate = headerValue(headers, 'x-amz-date');
  const date = amzDate ?? headerValue(headers, 'date');
  if (date === undefined) missing.push(HEADER_MISSING.date);
  if (
    credential === undefined ||
    signature === undefined ||
    signedHeaders === undefined ||
    date === undefined
  ) {
    return authErrors.headerParametersMissing(missing, algorithm);
  }

  const names = splitSignedHeaders(signedHeaders);
  if (!isList(names)) return names;
  return {
    presigned: false,
    credential,
    signature,
    signedHeaders: names,
    timestamp: date,
    fromDateHeader: amzDate === undefined,
    sessionToken: headerValue(headers, 'x-amz-security-token'),
    expiresSeconds: undefined,
  };
}

function fromQuery(algorithm: string, query: readonly QueryPair[]): AuthParams | AuthError {
  // AWS answers an unknown query algorithm as if no authentication had been sent.
  if (algorithm !== ALGORITHM) return authErrors.missingAuthenticationToken();

  const credential = firstValue(query, 'X-Amz-Credential');
  const signature = firstValue(query, 'X-Amz-Signature');
  const signedHeaders = firstValue(query, 'X-Amz-SignedHeaders');
  const date = firstValue(query, 'X-Amz-Date');
  const missing: string[] = [];
  if (credential === undefined) missing.push(QUERY_MISSING.credential);
  if (signature === undefined) missing.push(QUERY_MISSING.signature);
  if (signedHeaders === undefined) missing.push(QUERY_MISSING.signedHeaders);
  if (date === undefined) missing.push(QUERY_MISSING.date);
  if (
    credential === undefined ||
    signature === undefined ||
    signedHeaders === undefined ||
    date === undefined
  ) {
    return authErrors.queryParametersMissing(missing);
  }

  const expires = firstValue(query, 'X-Amz-Expires');
  let expiresSeconds: number | undefined;
  if (expires !== undefined) {
    if (/^-\d+$/.test(expires)) return authErrors.expiresNegative();
    if (!/^\d{1,15}$/.test(expires)) return authErrors.expiresNotANumber();
    expiresSeconds = Number(expires);
    if (expiresSeconds > MAX_EXPIRES_SECONDS) return authErrors.expiresTooLong();
  }

  const names = splitSignedHeaders(signedHeaders);
  if (!isList(names)) return names;
  return {
    presigned: true,
    credential,
    signature,
    signedHeaders: names,
    timestamp: date,
    fromDateHeader: false,
    sessionToken: firstValue(query, 'X-Amz-Security-Token'),
    expiresSeconds,
  };
}
