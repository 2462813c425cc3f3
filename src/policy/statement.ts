// A compiled statement as its policy holds it: four slots of the policy's one list (PolicyEntries
// in ast.ts), not an object of its own (24 bytes of header and a reference to it each), its
// Action and Resource values a run of the same list. parse.ts writes the records; evaluation reads
// them through the functions here, and others through a view (StatementView).
import type { CompiledCondition } from './conditions/condition.ts';
import type { PreparedRequest } from './request.ts';
import type { MatchedStatement } from './types.ts';
import type { ArnPattern } from './arn.ts';
import type { Glob } from './wildcard.ts';
import { Resolved } from './variables.ts';
import type { CompiledStatement, IndexEntry, PolicyEntries, PrincipalMatcher } from './ast.ts';

/** The slots of a statement's record, from its position. */
export const RECORD = 4;
/**
 * Its effect, Action and Resource kinds, INDEXED, number of exact ARNs, number of Resource values:
 * first, as a number is what ends the index that opens the list (entryUnder).
 */
const FLAGS = 0;
/** Where its values start in the list, and its number of Action values. */
const DATA = 1;
/** Its Principal and Condition elements (Extra). */
const EXTRA = 2;
/**
 * Its Sid (a string, or null), until its first match makes the memo of how it is reported in a
 * policy of each type, a list whose descriptions each carry the Sid.
 */
const DESCRIBED = 3;

// The flags. A document holds at most 131,072 characters (validate.ts): each Action or Resource
// value takes six and more, each statement thirty and more for a record of four slots, so a
// policy's list holds fewer than 2^15 elements, and a statement fewer than 2^15 values. Each field
// is read with its mask: the flags above it share the number.
export const DENY = 1;
const ACTION_KIND = 0b110;
/** Action: the actions listed. */
export const ACTION_LISTED = 0;
/** NotAction: the actions not listed. */
export const ACTION_NOT_LISTED = 0b010;
/** Action with `*`. */
export const ACTION_ANY = 0b100;
/** NotAction with `*`. */
export const ACTION_NONE = 0b110;
const RESOURCE_KIND = 0b111000;
/** No Resource/NotResource element (trust policies): any resource. */
export const RESOURCE_ABSENT = 0;
/** Resource: the resources listed. */
export const RESOURCE_LISTED = 0b001000;
/** NotResource: the resources not listed. */
export const RESOURCE_NOT_LISTED = 0b010000;
/** Resource with `*`. */
export const RESOURCE_ANY = 0b011000;
/** NotResource with `*`. */
export const RESOURCE_NONE = 0b100000;
/** The statement's actions are those the policy's index lists it under: it holds none itself. */
export const INDEXED = 0b1000000;
/** Exact ARNs: at most EXACT_LISTED strings, or one Set. */
export const EXACT_ARNS_SHIFT = 7;
const EXACT_ARNS_MASK = 0b1111;
const RESOURCES_SHIFT = 11;
const RESOURCES_MASK = 0x7fff;
/** The statement has a Principal or NotPrincipal element: its Extra is a StatementExtras. */
const PRINCIPAL = 1 << 26;
/** Its first Action value is a Set of exact actions. */
export const ACTION_SET = 1 << 27;
/** The DATA slot: the run's start, then (shifted) its number of Action values. */
const ACTIONS_SHIFT = 16;
const AT_MASK = 0xffff;
/** The most exact actions or ARNs of a statement searched in a list; more are in a Set. */
export const EXACT_LISTED = 8;

/**
 * An Action value as held: a Set of exact actions (first, for a statement listing many: flag
 * ACTION_SET), an exact action ("s3:getobject", with a colon), a service named with `service:*`
 * ("s3", without one), or a glob.
 */
export type ActionDatum = string | ReadonlySet<string> | Glob;

/**
 * A Resource value as held: first the exact ARNs (strings, or one Set of many), then ARNs whose only
 * wildcard is a closing `*` (strings, the `*` left off), then the other patterns (ResourceEntry).
 */
export type ResourceDatum = string | ReadonlySet<string> | ResourceEntry;

/**
 * A resource pattern as compiled, or, with variables, the function that compiles it per resolved
 * value (null when a variable cannot be resolved).
 */
export type ResourceEntry = ArnPattern | Resolved<ArnPattern>;

/**
 * A statement's Principal and Condition elements in one slot, as most statements have at most
 * one of them: none (null), the conditions alone (their list), else both in an object of their
 * own (the flag PRINCIPAL says which: evaluation reads the slot without asking its type).
 */
export type Extra = null | readonly CompiledCondition[] | StatementExtras;

export class StatementExtras {
  constructor(
    readonly principal: PrincipalMatcher,
    readonly conditions: readonly CompiledCondition[],
  ) {}
}

const NO_CONDITIONS: readonly CompiledCondition[] = Object.freeze([]);

export function extraFor(
  principal: PrincipalMatcher | null,
  conditions: readonly CompiledCondition[],
): Extra {
  if (principal !== null) return new StatementExtras(principal, conditions);
  return conditions.length === 0 ? null : conditions;
}

/** Appends a statement's record to its policy's list, its values' run starting at `run`. */
export function pushRecord(
  entries: unknown[],
  flags: number,
  run: number,
  actions: number,
  resources: number,
  extra: Extra,
  sid: string | undefined,
): void {
  if (run > AT_MASK || actions >= 2 ** 15 || resources >= 2 ** 15)
    throw new RangeError('a policy within the size limit never holds this many values');
  // In the order of the slots' numbers.
  entries.push(
    flags | (resources << RESOURCES_SHIFT) | (extra instanceof StatementExtras ? PRINCIPAL : 0),
    run | (actions << ACTIONS_SHIFT),
    extra,
    sid ?? null,
  );
}

/** The record's flags: what actionMatches, resourceMatches, isDeny and the rest read. */
export function flagsOf(entries: PolicyEntries, at: number): number {
  return entries[at + FLAGS] as number;
}

export function isDeny(flags: number): boolean {
  return (flags & DENY) !== 0;
}

export function principalOf(entries: PolicyEntries, at: number, flags: number): PrincipalMatcher | null {
  return (flags & PRINCIPAL) !== 0 ? (entries[at + EXTRA] as StatementExtras).principal : null;
}

export function conditionsOf(
  entries: PolicyEntries,
  at: number,
  flags: number,
): readonly CompiledCondition[] {
  const extra = entries[at + EXTRA] as Extra;
  if (extra === null) return NO_CONDITIONS;
  return (flags & PRINCIPAL) !== 0
    ? (extra as StatementExtras).conditions
    : (extra as readonly CompiledCondition[]);
}

export function sidOf(entries: PolicyEntries, at: number): string | undefined {
  const slot = entries[at + DESCRIBED] as string | MatchedStatement[] | null;
  if (slot === null) return undefined;
  return typeof slot === 'string' ? slot : slot[0]!.sid;
}

/** The memo of how the statement is reported, once it has matched. */
export function describedOf(entries: PolicyEntries, at: number): MatchedStatement[] | null {
  const slot = entries[at + DESCRIBED];
  return Array.isArray(slot) ? (slot as MatchedStatement[]) : null;
}

export function setDescribed(entries: PolicyEntries, at: number, described: MatchedStatement[]): void {
  // The one slot evaluation writes: a memo (INVARIANT in ast.ts).
  (entries as unknown[])[at + DESCRIBED] = described;
}

/** The statement's place in its policy's document: its record's order among the records. */
export function statementIndex(entries: PolicyEntries, at: number): number {
  return (at - indexEnd(entries)) / RECORD;
}

/**
 * Where the index that opens the list ends: two Maps, actions' then services', or keys and entries
 * alternating, the keys strings, ended by the first record's first slot, a number.
 */
function indexEnd(entries: PolicyEntries): number {
  if (entries[0] instanceof Map) return 2;
  let i = 0;
  while (typeof entries[i] === 'string') i += 2;
  return i;
}

/** Action/NotAction; `actionKey` is the lower-case "service:action", `service` its lower-case prefix. */
export function actionMatches(
  entries: PolicyEntries,
  at: number,
  flags: number,
  actionKey: string,
  service: string,
): boolean {
  const kind = flags & ACTION_KIND;
  if (kind === ACTION_ANY) return true;
  if (kind === ACTION_NONE) return false;
  return actionListed(entries, at, flags, actionKey, service) !== (kind === ACTION_NOT_LISTED);
}

function actionListed(
  entries: PolicyEntries,
  at: number,
  flags: number,
  actionKey: string,
  service: string,
): boolean {
  if ((flags & INDEXED) !== 0) {
    const entry = entryUnder(entries, actionKey);
    return entry === at || (Array.isArray(entry) && entry.includes(at));
  }
  const data = entries[at + DATA] as number;
  let i = data & AT_MASK;
  const end = i + (data >>> ACTIONS_SHIFT);
  if ((flags & ACTION_SET) !== 0 && (entries[i++] as ReadonlySet<string>).has(actionKey)) return true;
  for (; i < end; i++) {
    const datum = entries[i] as string | Glob;
    if (typeof datum === 'string') {
      // A service ("s3", from "s3:*") needs the colon: an action written without one ("s3") is
      // not in the service. An exact action has a colon: it is never a service.
      if (datum === service ? actionKey.length > service.length : datum === actionKey) return true;
    } else if (datum.matches(actionKey)) return true;
  }
  return false;
}

/** Resource/NotResource; true when the statement has neither (trust policies): any resource. */
export function resourceMatches(
  entries: PolicyEntries,
  at: number,
  flags: number,
  request: PreparedRequest,
): boolean {
  const kind = flags & RESOURCE_KIND;
  if (kind === RESOURCE_ABSENT || kind === RESOURCE_ANY) return true;
  if (kind === RESOURCE_NONE) return false;
  return resourceListed(entries, at, flags, request) !== (kind === RESOURCE_NOT_LISTED);
}

function resourceListed(
  entries: PolicyEntries,
  at: number,
  flags: number,
  request: PreparedRequest,
): boolean {
  const { resource } = request;
  const data = entries[at + DATA] as number;
  let i = (data & AT_MASK) + (data >>> ACTIONS_SHIFT);
  const exactEnd = i + ((flags >>> EXACT_ARNS_SHIFT) & EXACT_ARNS_MASK);
  const end = i + ((flags >>> RESOURCES_SHIFT) & RESOURCES_MASK);
  for (; i < exactEnd; i++) {
    const datum = entries[i] as string | ReadonlySet<string>;
    if (typeof datum === 'string' ? datum === resource : datum.has(resource)) return true;
  }
  for (; i < end; i++) {
    const datum = entries[i] as string | ResourceEntry;
    if (typeof datum === 'string') {
      if (resource.startsWith(datum)) return true;
      continue;
    }
    // An unresolved variable never matches.
    const pattern = datum instanceof Resolved ? datum.resolve(request.context) : datum;
    if (pattern && pattern.matches(resource, request.resourceParts)) return true;
  }
  return false;
}

/** The index's entry under an action ("s3:getobject"): see indexEnd. */
function entryUnder(entries: PolicyEntries, actionKey: string): IndexEntry | undefined {
  const first = entries[0];
  if (first instanceof Map) return (first as ReadonlyMap<string, IndexEntry>).get(actionKey);
  for (let i = 0; typeof entries[i] === 'string'; i += 2)
    if (entries[i] === actionKey) return entries[i + 1] as IndexEntry;
  return undefined;
}

/** A statement as an object, for those who ask for one (tools, explanations): evaluation reads the record. */
export class StatementView implements CompiledStatement {
  constructor(
    private readonly entries: PolicyEntries,
    private readonly at: number,
    readonly index: number,
  ) {}

  get sid(): string | undefined {
    return sidOf(this.entries, this.at);
  }

  get effect(): 'Allow' | 'Deny' {
    return isDeny(flagsOf(this.entries, this.at)) ? 'Deny' : 'Allow';
  }

  get principal(): PrincipalMatcher | null {
    return principalOf(this.entries, this.at, flagsOf(this.entries, this.at));
  }

  get conditions(): readonly CompiledCondition[] {
    return conditionsOf(this.entries, this.at, flagsOf(this.entries, this.at));
  }

  matchesAction(actionKey: string, service: string): boolean {
    return actionMatches(this.entries, this.at, flagsOf(this.entries, this.at), actionKey, service);
  }

  matchesResource(request: PreparedRequest): boolean {
    return resourceMatches(this.entries, this.at, flagsOf(this.entries, this.at), request);
  }
}
