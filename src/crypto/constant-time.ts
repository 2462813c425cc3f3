// Security property: comparing a secret (or a value derived from one) with caller input takes
// the same time wherever the two differ, and does not exit early when their lengths differ.
//
// Every value compared here has a length that is no secret (hex digests, signatures, codes and
// tokens of a fixed format), so two inputs of equal length go straight to timingSafeEqual, whose
// time depends on that length alone. Inputs of unequal length are first MACed with a random key
// made once per process, so timingSafeEqual sees two 32-byte digests and the time depends only on
// the input lengths (the caller's own), never on how much of the input matches the secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const COMPARISON_KEY = randomBytes(32);

function bytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function digest(value: Uint8Array): Buffer {
  return createHmac('sha256', COMPARISON_KEY).update(value).digest();
}

/**
 * True when `a` and `b` hold the same bytes (strings compare by their UTF-8 encoding), computed
 * without an early exit on length or content.
 */
export function equalsConstantTime(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = bytes(a);
  const right = bytes(b);
  if (left.byteLength === right.byteLength) return timingSafeEqual(left, right);
  // Unequal lengths never match; comparing their MACs keeps the time independent of the content.
  timingSafeEqual(digest(left), digest(right));
  return false;
}
