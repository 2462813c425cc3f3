// The shapes SigV4 verification takes and returns. Pure data: no I/O, no clock.
import type { AuthError } from './errors.ts';

export type { AuthError } from './errors.ts';

export interface IncomingRequest {
  method: string;
  /** Raw path as received, without the query. */
  path: string;
  /** Raw query string, without '?'. */
  query: string;
  /** Lower-case header names, as node:http gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array | string;
}

/**
 * Finds the secret for an access key ID (and session token, for ASIA keys). Returns null when the
 * key is unknown, or an AuthError (e.g. ExpiredToken, InvalidClientTokenId for an inactive key).
 */
export type KeyLookup = (
  accessKeyId: string,
  sessionToken: string | undefined,
) => Promise<{ secretAccessKey: string } | { error: AuthError } | null>;

export type VerifyResult =
  | {
      ok: true;
      accessKeyId: string;
      region: string;
      service: string;
      signedAt: Date;
      sessionToken: string | undefined;
      presigned: boolean;
    }
  | { ok: false; error: AuthError };
