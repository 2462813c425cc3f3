// Security property: a request is authenticated only if its SigV4 signature, recomputed from
// the request as received and the secret the lookup returns, matches in constant time; it was
// signed within 15 minutes of `now` (and before a presigned X-Amz-Expires ran out); the host
// header is signed; and the body is covered by the signature. Checks run in AWS's order, the
// key lookup only after the request is well-formed, and no error carries a secret or the
// expected signature. Pure: no I/O, no clock; the secret lookup is passed in.
import { equalsConstantTime } from '../../../crypto/constant-time.ts';
import { sha256Hex } from '../../../crypto/hmac.ts';
import {
  canonicalHeaders,
  canonicalRequest,
  canonicalUri,
  signature,
  signingKey,
  stringToSign,
} from './canonical.ts';
import { parseCredentialScope } from './credential-scope.ts';
import { authErrors, type AuthError } from './errors.ts';
import { extractAuthParams, headerValue } from './parse-authorization.ts';
import { canonicalQueryString, parseQuery } from './query.ts';
import { checkClockSkew, checkPresignedExpiry, formatBasic, parseSigningTime } from './timestamp.ts';
import type { IncomingRequest, KeyLookup, VerifyResult } from './types.ts';

export type { AuthError, IncomingRequest, KeyLookup, VerifyResult } from './types.ts';

const fail = (error: AuthError): VerifyResult => ({ ok: false, error });
const isError = (x: object): x is AuthError => 'code' in x && 'status' in x;

export async function verifySigV4(req: IncomingRequest, lookup: KeyLookup, now: Date): Promise<VerifyResult> {
  const query = parseQuery(req.query);
  if (!Array.isArray(query)) return fail(query);

  const auth = extractAuthParams(req.headers, query);
  if (isError(auth)) return fail(auth);
  if (!auth.signedHeaders.includes('host') && !auth.signedHeaders.includes(':authority')) {
    return fail(authErrors.hostNotSigned());
  }

  const signedAt = parseSigningTime(auth.timestamp, auth.fromDateHeader);
  if (isError(signedAt)) return fail(signedAt);
  const skew = checkClockSkew(signedAt, now);
  if (skew) return fail(skew);
  if (auth.presigned && auth.expiresSeconds !== undefined) {
    const expired = checkPresignedExpiry(signedAt, auth.expiresSeconds, now);
    if (expired) return fail(expired);
  }

  const scope = parseCredentialScope(auth.credential, signedAt);
  if (isError(scope)) return fail(scope);

  // The body is always hashed: an X-Amz-Content-Sha256 that disagrees (or UNSIGNED-PAYLOAD,
  // which would leave the Query parameters in the body unsigned) cannot authenticate.
  const payloadHash = sha256Hex(req.body);
  const claimedHash = headerValue(req.headers, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash.toLowerCase() !== payloadHash)
    return fail(authErrors.signatureDoesNotMatch());

  const headersBlock = canonicalHeaders(req.headers, auth.signedHeaders);
  if (typeof headersBlock !== 'string') return fail(headersBlock);
  const canonical = canonicalRequest({
    method: req.method,
    canonicalUri: canonicalUri(req.path),
    canonicalQuery: canonicalQueryString(query),
    canonicalHeaders: headersBlock,
    signedHeaders: auth.signedHeaders,
    payloadHash,
  });

  const found = await lookup(scope.accessKeyId, auth.sessionToken);
  if (found === null) return fail(authErrors.invalidClientTokenId());
  if ('error' in found) return fail(found.error);

  const key = signingKey(found.secretAccessKey, scope.date, scope.region, scope.service);
  const expected = signature(key, stringToSign(formatBasic(signedAt), scope.scope, canonical));
  if (!equalsConstantTime(expected, auth.signature)) return fail(authErrors.signatureDoesNotMatch());

  return {
    ok: true,
    accessKeyId: scope.accessKeyId,
    region: scope.region,
    service: scope.service,
    signedAt,
    sessionToken: auth.sessionToken,
    presigned: auth.presigned,
  };
}
