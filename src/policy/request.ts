// A request prepared once for evaluation: action and service in lower case (actions ignore case),
// the resource ARN split into its parts, and context keys in lower case (keys ignore case) with
// every value as text. What conditions read from a value (an IP address, a number, a date, its
// lower case, its ARN parts) is derived once, on first use, and kept with the value, so that a
// policy with twenty IpAddress conditions parses the request's aws:SourceIp once.
import { splitArn } from './arn.ts';
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

export type ContextLookup = ReadonlyMap<string, ContextEntry>;

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
  const actionKey = input.action.toLowerCase();
  const colon = actionKey.indexOf(':');
  const context = new Map<string, ContextEntry>();
  const given = input.context;
  if (Array.isArray(given)) for (const keys of given as readonly ContextKeys[]) addKeys(context, keys);
  else if (given) addKeys(context, given as ContextKeys);
  return Object.freeze({
    action: input.action,
    actionKey,
    service: colon < 0 ? actionKey : actionKey.slice(0, colon),
    resource: input.resource,
    resourceParts: splitArn(input.resource),
    principal: input.principal,
    context,
  });
}

type PreparedKeys = readonly (readonly [key: string, entry: ContextEntry | undefined])[];

// A frozen set of keys cannot change, so it is prepared once (a caller's principal keys, which
// the domain keeps frozen between requests); other sets are prepared on every request.
const preparedFrozen = new WeakMap<ContextKeys, PreparedKeys>();

function addKeys(context: Map<string, ContextEntry>, keys: ContextKeys): void {
  const frozen = Object.isFrozen(keys);
  let prepared = frozen ? preparedFrozen.get(keys) : undefined;
  if (prepared === undefined) {
    prepared = prepareKeys(keys, frozen);
    if (frozen) preparedFrozen.set(keys, prepared);
  }
  for (const [key, entry] of prepared) {
    if (entry === undefined) context.delete(key);
    else context.set(key, entry);
  }
}

/** The keys in lower case with their entries; frozen entries when they will serve many requests. */
function prepareKeys(keys: ContextKeys, shared: boolean): PreparedKeys {
  const prepared: [string, ContextEntry | undefined][] = [];
  for (const key in keys) {
    if (!Object.hasOwn(keys, key)) continue;
    const value = keys[key];
    const entry = value === undefined ? undefined : toEntry(value);
    // The entry itself stays open: it keeps the forms derived from its values (see ContextEntry).
    if (entry && shared) Object.freeze(entry.values);
    prepared.push([lowerCase(key), entry]);
  }
  return prepared;
}

// Requests repeat the same few dozen key names: their lower-case forms are kept (a bounded set).
const LOWER_CASE_LIMIT = 4096;
const lowerCased = new Map<string, string>();

function lowerCase(key: string): string {
  let lower = lowerCased.get(key);
  if (lower === undefined) {
    lower = key.toLowerCase();
    if (lowerCased.size >= LOWER_CASE_LIMIT) lowerCased.clear();
    lowerCased.set(key, lower);
  }
  return lower;
}

function toEntry(value: ContextValue): ContextEntry {
  if (Array.isArray(value)) return new ContextEntry((value as readonly ContextScalar[]).map(String), true);
  return new ContextEntry([String(value)], false);
}
