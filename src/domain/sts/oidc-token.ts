// An OpenID Connect ID token, checked as STS checks the WebIdentityToken of
// AssumeRoleWithWebIdentity: a compact JWS signed with RSA (RS256, RS384, RS512) or ECDSA (ES256,
// ES384, ES512) — "Tokens must be signed using either RSA keys … or ECDSA keys" (STS API
// reference) — by a key of the issuer's JWKS; `none` and HMAC are never accepted, and the token's
// own key references (jku, x5u, jwk, x5c) are never followed: the key comes from the issuer's
// `jwks_uri` only. Timestamps must be numbers ("formatted as either an integer or a long
// integer"); IAM allows five minutes past `exp` for clock skew ("OIDC federation", IAM User
// Guide). The audience is one of the provider's client ids.
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import { IamError } from '../errors.ts';
import { OidcKeyError } from './oidc-keys.ts';

export const ALLOWED_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** IAM accepts a token up to five minutes after its `exp`. */
export const CLOCK_SKEW_SECONDS = 300;

// AWS's messages, as STS returns them.
const NOT_A_JWT =
  'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)';
const NO_KEY =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
const THUMBPRINT = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint";
const WRONG_AUDIENCE = 'Incorrect token audience';
// Portcullis's own words where AWS's are not recorded.
const BAD_SIGNATURE = 'The signature of the ID Token could not be verified.';
const BAD_ALGORITHM =
  'The ID Token is not signed with a supported algorithm (RS256, RS384, RS512, ES256, ES384, ES512).';
const NOT_YET_VALID = 'The ID Token is not valid yet.';
const UNREACHABLE =
  'The identity provider could not be reached to retrieve its verification keys; try again.';

export function invalidToken(message: string): IamError {
  return new IamError('InvalidIdentityToken', message);
}

/**
 * The token's claims before any check: only to learn which issuer (and so which provider and keys)
 * it names. Nothing read here is trusted until `verifyIdToken` returns.
 */
export function unverifiedIssuer(token: string): string {
  let claims: JWTPayload;
  try {
    decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw invalidToken(NOT_A_JWT);
  }
  if (typeof claims.iss !== 'string' || claims.iss === '')
    throw invalidToken('Missing a required claim: iss');
  return claims.iss;
}

export interface VerifyOptions {
  /** The issuer the provider was registered for (the token's `iss` must be it). */
  readonly issuer: string;
  /** The provider's client ids: the token's audience must be one of them. */
  readonly clientIds: readonly string[];
  /** The issuer's keys; `refresh` asks for them again (the token's key was not among them). */
  readonly keys: (refresh: boolean) => Promise<JSONWebKeySet>;
  /** The server's time. */
  readonly now: Date;
}

export interface VerifiedToken {
  readonly claims: JWTPayload;
  /** The client id the token was accepted for (`azp` when it names one, else the `aud` that matched). */
  readonly audience: string;
}

/** Verifies signature, issuer, times and audience; throws IamError with STS's code and message. */
export async function verifyIdToken(token: string, options: VerifyOptions): Promise<VerifiedToken> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw invalidToken(NOT_A_JWT);
  }
  if (typeof alg !== 'string' || !ALLOWED_ALGORITHMS.includes(alg)) throw invalidToken(BAD_ALGORITHM);

  const payload = await verifiedPayload(token, options);
  let claims: JWTPayload;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as JWTPayload;
  } catch {
    throw invalidToken(NOT_A_JWT);
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalidToken(NOT_A_JWT);
  if (claims.iss !== options.issuer) throw invalidToken(NOT_A_JWT);

  const now = Math.floor(options.now.getTime() / 1000);
  if (claims.exp === undefined) throw invalidToken('Missing a required claim: exp');
  if (!isTimestamp(claims.exp) || (claims.nbf !== undefined && !isTimestamp(claims.nbf))) {
    throw invalidToken(NOT_A_JWT);
  }
  if (claims.iat !== undefined && !isTimestamp(claims.iat)) throw invalidToken(NOT_A_JWT);
  if (now >= claims.exp + CLOCK_SKEW_SECONDS) {
    throw new IamError(
      'ExpiredTokenException',
      `Token expired: current date/time ${now} must be before the expiration date/time ${claims.exp}`,
    );
  }
  if (claims.nbf !== undefined && now + CLOCK_SKEW_SECONDS < claims.nbf) throw invalidToken(NOT_YET_VALID);

  return { claims, audience: acceptedAudience(claims, options.clientIds) };
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The audience STS checks against the client ids: when the token carries `azp` (the authorized
 * party, as Google's tokens do), that; otherwise any value of `aud`. This is how IAM maps the
 * `<provider>:aud` and `<provider>:oaud` keys (IAM User Guide, "Available keys for AWS OIDC
 * federation").
 */
function acceptedAudience(claims: JWTPayload, clientIds: readonly string[]): string {
  const azp = (claims as Record<string, unknown>).azp;
  const audiences =
    typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (typeof azp === 'string' && azp !== '') {
    if (clientIds.includes(azp)) return azp;
    throw invalidToken(WRONG_AUDIENCE);
  }
  if (audiences.length === 0) throw invalidToken('Missing a required claim: aud');
  const match = audiences.find((a) => typeof a === 'string' && clientIds.includes(a));
  if (match === undefined) throw invalidToken(WRONG_AUDIENCE);
  return match;
}

/** The signed payload, verified with the issuer's key (asked for afresh once if the key is unknown). */
async function verifiedPayload(token: string, options: VerifyOptions): Promise<Uint8Array> {
  for (const refresh of [false, true]) {
    const jwks = await keysOrThrow(options, refresh);
    try {
      const result = await compactVerify(token, localKeySet(jwks), {
        algorithms: [...ALLOWED_ALGORITHMS],
      });
      return result.payload;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && !refresh) continue;
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JWKSInvalid
      ) {
        throw invalidToken(NO_KEY);
      }
      if (error instanceof errors.JOSEAlgNotAllowed) throw invalidToken(BAD_ALGORITHM);
      if (error instanceof errors.JWSInvalid) throw invalidToken(NOT_A_JWT);
      // A bad signature, a key that does not fit its algorithm, an unusable JWK, an unknown `crit`.
      throw invalidToken(BAD_SIGNATURE);
    }
  }
  throw invalidToken(NO_KEY);
}

/** One key set per fetched JWKS, so each key is imported once while the JWKS is remembered. */
const keySets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

function localKeySet(jwks: JSONWebKeySet): ReturnType<typeof createLocalJWKSet> {
  let keySet = keySets.get(jwks);
  if (!keySet) {
    keySet = createLocalJWKSet(jwks);
    keySets.set(jwks, keySet);
  }
  return keySet;
}

async function keysOrThrow(options: VerifyOptions, refresh: boolean): Promise<JSONWebKeySet> {
  try {
    return await options.keys(refresh);
  } catch (error) {
    if (error instanceof OidcKeyError) {
      // Unreachable is STS's IDPCommunicationError (retryable); an issuer that answered without
      // usable keys, or with an untrusted certificate, is the token's fault: InvalidIdentityToken.
      if (error.reason === 'unreachable') throw new IamError('IDPCommunicationError', UNREACHABLE);
      throw invalidToken(error.reason === 'thumbprint' ? THUMBPRINT : NO_KEY);
    }
    throw error;
  }
}
