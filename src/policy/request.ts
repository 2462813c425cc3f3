// A request prepared once for evaluation: action and service in lower case (actions ignore case),
// the resource ARN split into its parts, and context keys in lower case (keys ignore case) with
// every value as text. What conditions read from a value (an IP address, a number, a date, its
// lower case, its ARN parts) is derived once, on first use, and kept with the value, so that a
// policy with twenty IpAddress conditions parses the request's aws:SourceIp once.
// Every key a compiled policy names is numbered when compiled (keyIdOf), and a prepared request
// keeps its entries in a small table by those numbers too, so that a condition finds its key with
// a few integer operations rather than by hashing and comparing its text on every evaluation.
import { splitArn } from './arn.ts';
import { internedOr } from './intern.ts';
import { type Ip, parseIp } from './conditions/ip.ts';
import { parseDate, parseNumber } from './conditions/values.ts';
import type { ContextKeys, ContextScalar, ContextValue, Principal, RequestInput } from './types.ts';

/**
 * A context key's values, with what conditions derive from them kept on first use. The derived
 * forms depend on the values alone, so an entry shared between requests (a caller's frozen
 * principal keys) shares them too.
 */
export class ContextEntry {
  private ips: (Ip | null)[] | undefined;
  private numbers: (number | null)[] | undefined;
  private dates: (number | null)[] | undefined;
  private lowers: string[] | undefined;
  private arns: (readonly string[] | null)[] | undefined;

  constructor(
    readonly values: readonly string[],
    /** True for keys given as an array (multi-valued keys such as aws:TagKeys). */
    readonly multiValued: boolean,
  ) {}

  ip(i: number): Ip | null {
    const memo = (this.ips ??= new Array<Ip | null>(this.values.length));
    let ip = memo[i];
    if (ip === undefined) memo[i] = ip = parseIp(this.values[i]!);
    return ip;
  }

  number(i: number): number | null {
    const memo = (this.numbers ??= new Array<number | null>(this.values.length));
    let n = memo[i];
    if (n === undefined) memo[i] = n = parseNumber(this.values[i]!);
    return n;
  }

  date(i: number): number | null {
    const memo = (this.dates ??= new Array<number | null>(this.values.length));
    let ms = memo[i];
    if (ms === undefined) memo[i] = ms = parseDate(this.values[i]!);
    return ms;
  }

  lower(i: number): string {
    const memo = (this.lowers ??= new Array<string>(this.values.length));
    let lower = memo[i];
    if (lower === undefined) memo[i] = lower = this.values[i]!.toLowerCase();
    return lower;
  }

  arnParts(i: number): readonly string[] | null {
    const memo = (this.arns ??= new Array<readonly string[] | null>(this.values.length));
    let parts = memo[i];
    if (parts === undefined) memo[i] = parts = splitArn(this.values[i]!);
    return parts;
  }
}

// ---- context keys numbered at compile time

/** The number of a key no condition was numbered for (found by name instead). */
export const NO_KEY_ID = -1;

// Ids are never taken back, since compiled policies hold them; only keys that policies name are
// numbered (never a request's own, which callers may choose), and past the limit a key is found by
// name: slower, never wrong.
const KEY_ID_LIMIT = 16_384;
const keyIds = new Map<string, number>();

/** The number of a lower-case key that a compiled condition or policy variable names. */
export function keyIdOf(lowerKey: string): number {
  let id = keyIds.get(lowerKey);
  if (id === undefined) {
    if (keyIds.size >= KEY_ID_LIMIT) return NO_KEY_ID;
    id = keyIds.size;
    keyIds.set(lowerKey, id);
  }
  return id;
}

/** A request's key in lower case, with its number once a policy has named it. */
class KeyName {
  private id = NO_KEY_ID;
  /** How many keys were numbered when `id` was last looked up. */
  private seen = -1;

  constructor(readonly lower: string) {}

  currentId(): number {
    // A key is numbered when a policy naming it is compiled, which may come after this name was
    // made (a caller's frozen keys outlive many compilations): looked up again when keys were added.
    if (this.id === NO_KEY_ID && this.seen !== keyIds.size) {
      this.seen = keyIds.size;
      this.id = keyIds.get(this.lower) ?? NO_KEY_ID;
    }
    return this.id;
  }
}

/**
 * A request's context: its entries by lower-case name, and the same entries by key number in an
 * open-addressed table (ids are consecutive integers, so `id & mask` spreads them evenly).
 */
export class Context {
  constructor(
    private readonly byName: ReadonlyMap<string, ContextEntry>,
    /** How many keys were numbered when the request was prepared: later ones are found by name. */
    private readonly numbered: number,
    private readonly mask: number,
    /** Key numbers, NO_KEY_ID where free; an entry of `undefined` is a key a later set removed. */
    private readonly ids: readonly number[],
    private readonly entries: readonly (ContextEntry | undefined)[],
  ) {}

  get(key: string): ContextEntry | undefined {
    return this.byName.get(key);
  }

  has(key: string): boolean {
    return this.byName.has(key);
  }

  get size(): number {
    return this.byName.size;
  }

  /** The entry of the key numbered `id` (`key` in lower case: its name, used when it has no number). */
  find(id: number, key: string): ContextEntry | undefined {
    if (id < 0 || id >= this.numbered) return this.byName.get(key);
    const { ids, mask } = this;
    for (let slot = id & mask; ; slot = (slot + 1) & mask) {
      const found = ids[slot]!;
      if (found === id) return this.entries[slot];
      if (found === NO_KEY_ID) return undefined;
    }
  }
}

export type ContextLookup = Context;

export interface PreparedRequest {
  /** As given, for messages. */
  readonly action: string;
  /** Lower case. */
  readonly actionKey: string;
  /** The service prefix of the action, lower case ("iam"). */
  readonly service: string;
  readonly resource: string;
  readonly resourceParts: readonly string[] | null;
  readonly principal: Principal | undefined;
  readonly context: ContextLookup;
}

export function createRequest(input: RequestInput): PreparedRequest {
  // The policies' own strings where they are equal: compiled policies index statements by them.
  const actionKey = internedOr(input.action.toLowerCase());
  const colon = actionKey.indexOf(':');
  const given = input.context;
  const sets: PreparedKeys[] =
    given === undefined
      ? []
      : Array.isArray(given)
        ? (given as readonly ContextKeys[]).map(preparedKeys)
        : [preparedKeys(given as ContextKeys)];
  return Object.freeze({
    action: input.action,
    actionKey,
    service: colon < 0 ? actionKey : internedOr(actionKey.slice(0, colon)),
    resource: input.resource,
    resourceParts: splitArn(input.resource),
    principal: input.principal,
    context: contextOf(sets),
  });
}

type PreparedKeys = readonly (readonly [key: KeyName, entry: ContextEntry | undefined])[];

// A frozen set of keys cannot change, so it is prepared once (a caller's principal keys, which
// the domain keeps frozen between requests); other sets are prepared on every request.
const preparedFrozen = new WeakMap<ContextKeys, PreparedKeys>();

function preparedKeys(keys: ContextKeys): PreparedKeys {
  const frozen = Object.isFrozen(keys);
  let prepared = frozen ? preparedFrozen.get(keys) : undefined;
  if (prepared === undefined) {
    prepared = prepareKeys(keys, frozen);
    if (frozen) preparedFrozen.set(keys, prepared);
  }
  return prepared;
}

/** The sets in order, a later set's key replacing an earlier one's (`undefined` removes it). */
function contextOf(sets: readonly PreparedKeys[]): Context {
  const byName = new Map<string, ContextEntry>();
  let count = 0;
  for (const set of sets) {
    count += set.length;
    for (const [name, entry] of set) {
      if (entry === undefined) byName.delete(name.lower);
      else byName.set(name.lower, entry);
    }
  }
  // At most half full, so that a search for a key the request lacks stops at a free slot soon.
  let size = 8;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  const ids: number[] = [];
  const entries: (ContextEntry | undefined)[] = [];
  for (let i = 0; i < size; i++) {
    ids.push(NO_KEY_ID);
    entries.push(undefined);
  }
  const numbered = keyIds.size;
  for (const set of sets) {
    for (const [name, entry] of set) {
      const id = name.currentId();
      if (id === NO_KEY_ID) continue;
      let slot = id & mask;
      while (ids[slot] !== id && ids[slot] !== NO_KEY_ID) slot = (slot + 1) & mask;
      ids[slot] = id;
      entries[slot] = entry;
    }
  }
  return new Context(byName, numbered, mask, ids, entries);
}

/** The keys in lower case with their entries; frozen entries when they will serve many requests. */
function prepareKeys(keys: ContextKeys, shared: boolean): PreparedKeys {
  const prepared: [KeyName, ContextEntry | undefined][] = [];
  for (const key in keys) {
    if (!Object.hasOwn(keys, key)) continue;
    const value = keys[key];
    const entry = value === undefined ? undefined : toEntry(value);
    // The entry itself stays open: it keeps the forms derived from its values (see ContextEntry).
    if (entry && shared) Object.freeze(entry.values);
    prepared.push([nameOf(key), entry]);
  }
  return prepared;
}

// Requests repeat the same few dozen key names: their lower-case forms, with their numbers, are
// kept (a bounded set).
const NAME_LIMIT = 4096;
const names = new Map<string, KeyName>();

function nameOf(key: string): KeyName {
  let name = names.get(key);
  if (name === undefined) {
    name = new KeyName(key.toLowerCase());
    if (names.size >= NAME_LIMIT) names.clear();
    names.set(key, name);
  }
  return name;
}

function toEntry(value: ContextValue): ContextEntry {
  if (Array.isArray(value)) return new ContextEntry((value as readonly ContextScalar[]).map(String), true);
  return new ContextEntry([String(value)], false);
}
