// Security property: MFA recovery codes are drawn from the operating system's CSPRNG, each
// character chosen without modulo bias (crypto.randomInt) from an alphabet without look-alike
// characters (no 0/O, 1/I/L, no U), so a code read off paper is typed right: 10 characters of 30
// give about 49 bits, far beyond what the sign-in throttles (5 wrong codes per sign-in, back-off
// per user and address) let anyone guess. Being random, they are stored as keyed hashes (HMAC),
// not with a slow password hash: a stolen table without the master key reveals nothing, and
// checking all ten takes microseconds.
import { randomInt } from 'node:crypto';

/** How many codes a set holds: what a user prints and keeps. */
export const RECOVERY_CODE_COUNT = 10;
const LENGTH = 10;
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A new code, written in two groups of five for reading ("ABCDE-FGH23"). */
export function newRecoveryCode(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, 5)}-${raw.slice(5)}`;
}

/** A set of RECOVERY_CODE_COUNT distinct codes. */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  return [...codes];
}

/**
 * A typed code in the one form that is hashed: upper case, without the spaces and hyphens people
 * type between groups; undefined when it cannot be a code (wrong length or characters), so
 * nothing else is looked at.
 */
export function normalizeRecoveryCode(typed: string): string | undefined {
  if (typeof typed !== 'string' || typed.length > 40) return undefined;
  const compact = typed.replace(/[\s-]/g, '').toUpperCase();
  if (compact.length !== LENGTH) return undefined;
  for (const c of compact) if (!ALPHABET.includes(c)) return undefined;
  return compact;
}
