// Security property: passwords are stored only as argon2id hashes with OWASP's parameters
// (m=19 MiB, t=2, p=1), a malformed stored hash never crashes a sign-in (it just fails), and
// checking a user that does not exist costs the same as checking a wrong password
// (verifyPasswordOrDummy runs a real argon2id verify against DUMMY_HASH).
import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';

/** OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB memory, 2 passes, 1 lane. */
const ARGON2ID = 2 as Algorithm;
const OPTIONS: Options = {
  algorithm: ARGON2ID,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
};

/** Longest password accepted for hashing or checking (AWS allows 128 characters). */
const MAX_PASSWORD_LENGTH = 1024;
const MAX_HASH_LENGTH = 512;

/**
 * An argon2id hash, with the same parameters, of a random password nobody knows. Verifying
 * against it takes as long as verifying a real hash and always fails.
 */
export const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$eMg1Ejia6fU0jhBdtyaOLQ$X4PPTsdob7B8E2DRtvoxn6JCPA5xpF0r0IfY63EPiF0';

/** Hashes a password with argon2id and a fresh random salt; returns the PHC string. */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) {
    throw new Error(`A password is a string of at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  return hash(password, OPTIONS);
}

/** True only if `password` matches `storedHash`; false (never a throw) for a malformed hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  if (
    typeof storedHash !== 'string' ||
    !storedHash.startsWith('$argon2') ||
    storedHash.length > MAX_HASH_LENGTH
  ) {
    return false;
  }
  if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/**
 * For sign-in: checks `password` against `storedHash`, or, when there is no such user
 * (`storedHash` undefined), against DUMMY_HASH so the answer takes just as long. Returns false
 * in the second case whatever the password.
 */
export async function verifyPasswordOrDummy(
  storedHash: string | undefined,
  password: string,
): Promise<boolean> {
  const ok = await verifyPassword(storedHash ?? DUMMY_HASH, typeof password === 'string' ? password : '');
  return storedHash !== undefined && ok;
}

/** True when `storedHash` was made with weaker or different parameters than today's, or is malformed. */
export function needsRehash(storedHash: string): boolean {
  try {
    const o = parseOptions(storedHash);
    return (
      o.algorithm !== ARGON2ID ||
      o.memoryCost < OPTIONS.memoryCost! ||
      o.timeCost < OPTIONS.timeCost! ||
      o.parallelism !== OPTIONS.parallelism ||
      o.outputLen < OPTIONS.outputLen!
    );
  } catch {
    return true;
  }
}
