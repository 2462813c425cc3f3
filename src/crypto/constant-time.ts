// Security property: comparing a secret (or a value derived from one) with caller input takes
// the same time wherever the two differ, and does not exit early when their lengths differ.
//
// Both sides are first MACed with a random key made once per process, so timingSafeEqual always
// sees two 32-byte digests. The time then depends only on the input lengths (which are the
// caller's own), never on how much of the input matches the secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const COMPARISON_KEY = randomBytes(32);

function digest(value: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', COMPARISON_KEY);
  mac.update(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  return mac.digest();
}

/**
 * True when `a` and `b` hold the same bytes (strings compare by their UTF-8 encoding), computed
 * without an early exit on length or content.
 */
export function equalsConstantTime(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
