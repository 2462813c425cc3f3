// One copy of each compiled value that policies hold alike — the glob of "s3:get*", of an ARN's
// "*/team-*" part, the range "10.0.0.0/8" — as intern.ts keeps one copy of each string: a
// thousand principals whose policies allow "s3:Get*" from the office's ranges hold one glob and
// one list of ranges. Shared values are read-only to evaluation (a glob's memo of its last search
// aside, which answers the same for any holder).
// Bounded: past SHARED_LIMIT values, or keys of SHARED_CHARS characters in all (a key is the text
// its value was compiled from, so this bounds what the table keeps alive of policies no longer
// used), the table starts afresh (values already handed out stay valid; only later ones stop
// being shared with them).
import { flat } from './intern.ts';

const SHARED_LIMIT = 16_384;
const SHARED_CHARS = 4_000_000;
let table = new Map<string, unknown>();
let chars = 0;

/** Above 0 while values are made from a request's values, which are never added. */
let requestMade = 0;

/** The value made for `key` before (by `make`, or another maker given the same key), else `make()`. */
export function sharedValue<T>(key: string, make: () => T): T {
  if (requestMade > 0) return make();
  const known = table.get(key);
  if (known !== undefined) return known as T;
  return share(key, make());
}

/** The value shared under `key`, if any: for values made in steps (see share). */
export function knownValue<T>(key: string): T | undefined {
  return table.get(key) as T | undefined;
}

/** Shares `value` under `key` (knownValue found none) and returns it. */
export function share<T>(key: string, value: T): T {
  if (requestMade > 0) return value;
  if (table.size >= SHARED_LIMIT || chars + key.length > SHARED_CHARS) {
    table = new Map();
    chars = 0;
  }
  chars += key.length;
  // Keys are made by joining a letter to the text: a new string, never a slice of a policy's, but
  // a concatenation, which would hold the text as a string of its own beside it; held flat.
  table.set(flat(key), value);
  return value;
}

/**
 * `make()`, whose values are made afresh and not added to the table: for values compiled from a
 * request's (a policy variable's value), which callers may choose, so that they never crowd out
 * the policies' own.
 */
export function madeForRequest<T>(make: () => T): T {
  requestMade++;
  try {
    return make();
  } finally {
    requestMade--;
  }
}
