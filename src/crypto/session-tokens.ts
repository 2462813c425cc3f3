// Security property: a session token cannot be forged or altered. It carries 64 random bytes,
// given to the client once; the server keeps only its SHA-256 and compares in constant time, so
// neither a copy of the database nor a timing side channel yields a usable token.
//
// An STS token also carries its expiry and a MAC over it and its access key id, under a key
// derived from the master key: long after its session row is gone, the server can still tell a
// token it issued and that has expired (AWS answers ExpiredToken for those, whatever their age,
// and SDKs refresh credentials on that code) from one it never issued (InvalidClientTokenId).
//
// Layout (base64): version (1 byte) | expiry, ms since the epoch (8 bytes, big-endian) |
// random (64 bytes) | HMAC-SHA256 (32 bytes) over "<access key id>." + the bytes before it.
import { randomBytes } from 'node:crypto';
import { equalsConstantTime } from './constant-time.ts';
import { sha256Hex } from './hmac.ts';

/** The MAC of the master key's (Sealer.mac): every node of a deployment computes the same. */
export type TokenMac = (purpose: string, value: string) => string;

/** Whether a MAC is the master key's, or a previous master key's (Sealer.macMatches). */
export type TokenMacCheck = (purpose: string, value: string, given: string) => boolean;

const VERSION = 1;
const BODY_BYTES = 1 + 8 + 64;
const MAC_BYTES = 32;
const PURPOSE = 'sts-session-token';

/** A console session's token: random bytes and nothing else (its row is its only meaning). */
export function newSessionToken(): string {
  return randomBytes(96).toString('base64');
}

/** An STS session token for `accessKeyId`, expiring at `expiresAtMs`. */
export function newStsSessionToken(mac: TokenMac, accessKeyId: string, expiresAtMs: number): string {
  const body = Buffer.alloc(BODY_BYTES);
  body.writeUInt8(VERSION, 0);
  body.writeBigUInt64BE(BigInt(expiresAtMs), 1);
  randomBytes(64).copy(body, 9);
  const tag = Buffer.from(mac(PURPOSE, `${accessKeyId}.${body.toString('base64')}`), 'base64url');
  return Buffer.concat([body, tag]).toString('base64');
}

/**
 * When the STS token expires (ms since the epoch), if this server issued it for `accessKeyId`;
 * undefined for anything else (another key's token, an altered one, one of the first release).
 */
export function stsTokenExpiry(
  macMatches: TokenMacCheck,
  accessKeyId: string,
  token: string,
): number | undefined {
  if (token.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64');
  if (bytes.length !== BODY_BYTES + MAC_BYTES || bytes.readUInt8(0) !== VERSION) return undefined;
  const body = bytes.subarray(0, BODY_BYTES);
  const given = bytes.subarray(BODY_BYTES).toString('base64url');
  if (!macMatches(PURPOSE, `${accessKeyId}.${body.toString('base64')}`, given)) return undefined;
  return Number(body.readBigUInt64BE(1));
}

export function hashSessionToken(token: string): string {
  return sha256Hex(token);
}

export function sessionTokenMatches(token: string, storedHash: string): boolean {
  return equalsConstantTime(hashSessionToken(token), storedHash);
}
