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
 * principal keys) shares them too. Most keys hold one value: it and what is derived from it are
 * fields of the entry itself, so that a condition reads one object rather than a chain of arrays
 * (with a thousand requests in turn, each object read is a likely cache miss).
 */
export class ContextEntry {
  /** The key's number in its request's table (Context), set when placed there. */
  keyId = NO_KEY_ID;
  /** How many values the key has: none counts as absent. */
  readonly count: number;
  private readonly first: string;
  /** A multi-valued key's values; null for a single value (`first`). */
  private readonly list: readonly string[] | null;
  // Derived from the first value; undefined until asked for.
  private ip0: Ip | null | undefined = undefined;
  private number0: number | null | undefined = undefined;
  private date0: number | null | undefined = undefined;
  private lower0: string | undefined = undefined;
  private arn0: readonly string[] | null | undefined = undefined;
  /** Derived from the other values of a multi-valued key, at their index. */
  private others: Others | undefined = undefined;

  constructor(
    value: string | readonly string[],
    /** True for keys given as an array (multi-valued keys such as aws:TagKeys). */
    readonly multiValued: boolean,
  ) {
    if (typeof value === 'string') {
      this.list = null;
      this.first = value;
      this.count = 1;
    } else {
      this.list = value;
      this.first = value.length > 0 ? value[0]! : '';
      this.count = value.length;
    }
  }

  /** Every value, as given (frozen when the entry serves many requests). */
  get values(): readonly string[] {
    return this.list ?? Object.freeze([this.first]);
  }

  /** The i-th value. */
  text(i: number): string {
    return i === 0 ? this.first : this.list![i]!;
  }

  ip(i: number): Ip | null {
    if (i !== 0) return derived((this.others ??= new Others()).ips, i, this.list!, parseIp);
    let ip = this.ip0;
    if (ip === undefined) this.ip0 = ip = parseIp(this.first);
    return ip;
  }

  number(i: number): number | null {
    if (i !== 0) return derived((this.others ??= new Others()).numbers, i, this.list!, parseNumber);
    let n = this.number0;
    if (n === undefined) this.number0 = n = parseNumber(this.first);
    return n;
  }

  date(i: number): number | null {
    if (i !== 0) return derived((this.others ??= new Others()).dates, i, this.list!, parseDate);
    let ms = this.date0;
    if (ms === undefined) this.date0 = ms = parseDate(this.first);
    return ms;
  }

  lower(i: number): string {
    if (i !== 0) return derived((this.others ??= new Others()).lowers, i, this.list!, lowerCaseOf);
    let lower = this.lower0;
    if (lower === undefined) this.lower0 = lower = this.first.toLowerCase();
    return lower;
  }

  arnParts(i: number): readonly string[] | null {
    if (i !== 0) return derived((this.others ??= new Others()).arns, i, this.list!, splitArn);
    let parts = this.arn0;
    if (parts === undefined) this.arn0 = parts = splitArn(this.first);
    return parts;
  }
}

/** What is derived from a multi-valued key's values after the first, by index. */
class Others {
  readonly ips: (Ip | null | undefined)[] = [];
  readonly numbers: (number | null | undefined)[] = [];
  readonly dates: (number | null | undefined)[] = [];
  readonly lowers: (string | undefined)[] = [];
  readonly arns: (readonly string[] | null | undefined)[] = [];
}

function derived<T>(
  memo: (T | undefined)[],
  i: number,
  values: readonly string[],
  derive: (text: string) => T,
): T {
  while (memo.length <= i) memo.push(undefined);
  let value = memo[i];
  if (value === undefined) memo[i] = value = derive(values[i]!);
  return value as T;
}

const lowerCaseOf = (text: string) => text.toLowerCase();

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
 * A request's context: its numbered keys' entries in an open-addressed table by number (ids are
 * consecutive integers, so `id & mask` spreads them evenly), and its keys by lower-case name,
 * gathered from the prepared sets only when something asks by name (a trace, a key numbered
 * after the request was prepared): evaluation never does, and making the map was a good part
 * of preparing a request.
 */
export class Context {
  private byName: Map<string, ContextEntry> | undefined = undefined;

  constructor(
    private readonly sets: readonly PreparedKeys[],
    /** How many keys were numbered when the request was prepared: later ones are found by name. */
    private readonly numbered: number,
    private readonly mask: number,
    /** The numbered keys' entries at their key's number (keyId) or after it; undefined where free. */
    private readonly table: readonly (ContextEntry | undefined)[],
  ) {}

  get(key: string): ContextEntry | undefined {
    return this.names().get(key);
  }

  has(key: string): boolean {
    return this.names().has(key);
  }

  /** The entry of the key numbered `id` (`key` in lower case: its name, used when it has no number). */
  find(id: number, key: string): ContextEntry | undefined {
    if (id < 0 || id >= this.numbered) return this.names().get(key);
    const { table, mask } = this;
    for (let slot = id & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot];
      if (entry === undefined || entry.keyId === id) return entry;
    }
  }

  /** The sets in order, a later set's key replacing an earlier one's (`undefined` removes it). */
  private names(): Map<string, ContextEntry> {
    if (this.byName === undefined) {
      const byName = new Map<string, ContextEntry>();
      for (const set of this.sets) {
        for (let k = 0; k < set.names.length; k++) {
          const name = set.names[k]!.lower;
          const entry = set.entries[k];
          if (entry === undefined) byName.delete(name);
          else byName.set(name, entry);
        }
      }
      this.byName = byName;
    }
    return this.byName;
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

/** A set of keys prepared: each key's name and its entry (undefined: the key is removed). */
interface PreparedKeys {
  readonly names: readonly KeyName[];
  readonly entries: readonly (ContextEntry | undefined)[];
}

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

/** The numbered keys' table: a later set's key replaces an earlier one's (`undefined` removes it). */
function contextOf(sets: readonly PreparedKeys[]): Context {
  let count = 0;
  for (const set of sets) count += set.names.length;
  // At most half full, so that a search for a key the request lacks stops at a free slot soon.
  let size = 8;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  const table: (ContextEntry | undefined)[] = [];
  for (let i = 0; i < size; i++) table.push(undefined);
  const numbered = keyIds.size;
  for (const set of sets) {
    for (let k = 0; k < set.names.length; k++) {
      const id = set.names[k]!.currentId();
      const given = set.entries[k];
      if (id === NO_KEY_ID) continue;
      // A key a later set removes is held as an entry without values: absent to conditions.
      const entry = given ?? new ContextEntry(NO_VALUES, false);
      entry.keyId = id;
      let slot = id & mask;
      while (table[slot] !== undefined && table[slot]!.keyId !== id) slot = (slot + 1) & mask;
      table[slot] = entry;
    }
  }
  return new Context(sets, numbered, mask, table);
}

/** The keys in lower case with their entries; frozen entries when they will serve many requests. */
function prepareKeys(keys: ContextKeys, shared: boolean): PreparedKeys {
  const written = Object.keys(keys);
  // At their size (a context holds them for as long as its request lives).
  const names = new Array<KeyName>(written.length);
  const entries = new Array<ContextEntry | undefined>(written.length);
  for (let k = 0; k < written.length; k++) {
    const key = written[k]!;
    const value = keys[key];
    const entry = value === undefined ? undefined : toEntry(value);
    // The entry itself stays open: it keeps the forms derived from its values (see ContextEntry).
    if (entry && shared && entry.multiValued) Object.freeze(entry.values);
    names[k] = nameOf(key);
    entries[k] = entry;
  }
  return { names, entries };
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

const NO_VALUES: readonly string[] = Object.freeze([]);

function toEntry(value: ContextValue): ContextEntry {
  if (Array.isArray(value)) return new ContextEntry((value as readonly ContextScalar[]).map(String), true);
  return new ContextEntry(String(value), false);
}
