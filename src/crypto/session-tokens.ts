// Security property: a session token cannot be forged or altered. It is 96 random bytes, given
// to the client once; the server keeps only its SHA-256 and compares in constant time, so neither
// a copy of the database nor a timing side channel yields a usable token.
import { randomBytes } from 'node:crypto';
import { equalsConstantTime } from './constant-time.ts';
import { sha256Hex } from './hmac.ts';

export function newSessionToken(): string {
  return randomBytes(96).toString('base64');
}

export function hashSessionToken(token: string): string {
  return sha256Hex(token);
}

export function sessionTokenMatches(token: string, storedHash: string): boolean {
  return equalsConstantTime(hashSessionToken(token), storedHash);
}
