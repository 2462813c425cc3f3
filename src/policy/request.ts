// A request prepared once for evaluation: action and service in lower case (actions ignore case),
// the resource ARN split into its parts, and context keys in lower case (keys ignore case) with
// every value as text.
import { splitArn } from './arn.ts';
import type { ContextKeys, ContextScalar, ContextValue, Principal, RequestInput } from './types.ts';

export interface ContextEntry {
  readonly values: readonly string[];
  /** True for keys given as an array (multi-valued keys such as aws:TagKeys). */
  readonly multiValued: boolean;
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
    if (entry && shared) {
      Object.freeze(entry.values);
      Object.freeze(entry);
    }
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
  if (Array.isArray(value)) {
    return { values: (value as readonly ContextScalar[]).map(String), multiValued: true };
  }
  return { values: [String(value)], multiValued: false };
}
