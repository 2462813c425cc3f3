// Security property: every identifier and secret handed out is drawn from the operating
// system's CSPRNG (crypto.randomBytes / crypto.randomInt, never Math.random), each character
// chosen without modulo bias, in the shapes AWS uses so clients and regexes accept them.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const BASE32_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** AWS's four-letter prefixes for unique IDs (IAM "Unique identifiers" reference). */
export const UNIQUE_ID_PREFIXES = {
  user: 'AIDA',
  role: 'AROA',
  group: 'AGPA',
  managedPolicy: 'ANPA',
  managedPolicyVersion: 'ANVA',
  instanceProfile: 'AIPA',
  publicKey: 'APKA',
  serverCertificate: 'ASCA',
  serviceSpecificCredential: 'ACCA',
  bearerToken: 'ABIA',
} as const;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A 20-character access key ID: `AKIA` (long-term) or `ASIA` (temporary) + 16 of [A-Z2-7]. */
export function newAccessKeyId(kind: 'long-term' | 'temporary'): string {
  return (kind === 'long-term' ? 'AKIA' : 'ASIA') + randomString(BASE32_UPPER, 16);
}

/** A 40-character secret access key over [A-Za-z0-9+/] (30 random bytes, base64: 240 bits). */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/**
 * A 21-character unique ID: a four-letter prefix (see UNIQUE_ID_PREFIXES, e.g. `AIDA` for a
 * user) followed by 17 upper-case letters and digits.
 */
export function newUniqueId(prefix: string): string {
  if (!/^A[A-Z]{3}$/.test(prefix))
    throw new Error('A unique ID prefix is four upper-case letters starting with A.');
  return prefix + randomString(UPPER_ALNUM, 17);
}

/** An internal row id for records AWS gives no id of their own (MFA devices). */
export function newInternalId(): string {
  return randomUUID();
}

/** A request ID in UUID version 4 form, as AWS returns in RequestId. */
export function newRequestId(): string {
  // randomUUID draws from a buffered CSPRNG pool: one per request without a syscall each time.
  return randomUUID();
}

/**
 * A UUID of version 7 (RFC 9562): the time in ms, then 42 random bits and a 32-bit counter (the
 * RFC's "fixed-length dedicated counter", §6.2 method 1), the random bits drawn again whenever the
 * counter comes round. Ids made in time order land at the end of an index instead of at random
 * places in it. Ids are unique, not secret.
 */
export function newTimeOrderedId(timeMs: number): string {
  const range = reserveTimeOrderedIds(1);
  return timeOrderedId(timeMs, range.seed, range.first);
}

/**
 * Counters reserved together: the ids `timeOrderedId(t, seed, first + i)` for i below the count
 * reserved are unique whatever their times, so a batch of events can be given ids by storing one
 * range — each id made when it is read, not when the event is recorded.
 */
export interface TimeOrderedIds {
  readonly seed: string;
  readonly first: number;
}

export function reserveTimeOrderedIds(count: number): TimeOrderedIds {
  if (!Number.isInteger(count) || count < 1 || count > 0x1_0000) throw new Error('Reserve 1 to 65,536 ids.');
  if (idCounter.next + count > idCounter.end) idCounter = newIdCounter();
  const first = idCounter.next;
  idCounter.next += count;
  return { seed: idCounter.seed, first };
}

/** The id of counter `counter` of a reserved range, at `timeMs`. */
export function timeOrderedId(timeMs: number, seed: string, counter: number): string {
  const ms = Math.max(0, Math.floor(timeMs));
  // Ids of the same millisecond share their first part.
  if (ms !== idTime.ms) {
    const time = ms.toString(16).padStart(12, '0').slice(-12);
    idTime = { ms, prefix: `${time.slice(0, 8)}-${time.slice(8, 12)}-` };
  }
  return idTime.prefix + seed + (counter % 0x1_0000_0000).toString(16).padStart(8, '0');
}

let idTime = { ms: -1, prefix: '' };
let idCounter = newIdCounter();

function newIdCounter(): { seed: string; next: number; end: number } {
  // 42 random bits: rand_a (12), then rand_b: 2 beside the variant, 12, 16 — and the counter (32).
  const random = randomBytes(6).toString('hex');
  const variant = (0x8 | (parseInt(random[3]!, 16) & 0x3)).toString(16);
  const start = randomInt(0x1_0000_0000);
  return {
    seed: `7${random.slice(0, 3)}-${variant}${random.slice(4, 7)}-${random.slice(7, 11)}`,
    next: start,
    end: start + 0x1_0000_0000,
  };
}

/** An opaque bearer secret of `bytes` random bytes (16 to 1024, default 32), base64url-encoded. */
export function newSecretToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) {
    throw new Error('A secret token is between 16 and 1024 random bytes.');
  }
  return randomBytes(bytes).toString('base64url');
}

/** A 12-digit AWS account id whose first digit is not 0. */
export function newAccountId(): string {
  return String(1 + randomInt(9)) + randomString('0123456789', 11);
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * AWS Organizations' ids, in the shapes its API reference gives: an organization `o-` + 10
 * lower-case letters and digits, its root `r-` + 4, a create-account request `car-` + 32, a
 * policy `p-` + 8.
 */
export function newOrganizationsId(
  kind: 'organization' | 'root' | 'create-account-request' | 'policy',
): string {
  if (kind === 'organization') return 'o-' + randomString(LOWER_ALNUM, 10);
  if (kind === 'policy') return 'p-' + randomString(LOWER_ALNUM, 8);
  if (kind === 'root') return 'r-' + randomString(LOWER_ALNUM, 4);
  return 'car-' + randomString(LOWER_ALNUM, 32);
}

/** An organizational unit's id: `ou-`, its root's id without `r-`, `-` and 8 more (as AWS makes them). */
export function newOrganizationalUnitId(rootId: string): string {
  return `ou-${rootId.slice(2)}-${randomString(LOWER_ALNUM, 8)}`;
}
