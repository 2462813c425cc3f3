// Text → validated document → compiled policy. Validation (validate.ts) decides what IAM accepts;
// compilation prepares everything evaluation needs so that evaluation only reads.
import type {
  OneOrMany,
  PolicyDocument,
  PolicyVersion,
  PrincipalDocument,
  StatementDocument,
} from './document.ts';
import { intern } from './intern.ts';
import type { PolicyError, PolicyKind } from './types.ts';
import {
  type CompiledPolicy,
  type CompiledStatement,
  type IndexEntry,
  type PolicyEntries,
  type PrincipalMatcher,
  POLICY_SHAPE,
  indexLength,
} from './ast.ts';
import {
  ACTION_ANY,
  ACTION_LISTED,
  ACTION_NONE,
  ACTION_NOT_LISTED,
  ACTION_SET,
  type ActionDatum,
  DENY,
  EXACT_ARNS_SHIFT,
  EXACT_LISTED,
  type Extra,
  INDEXED,
  RECORD,
  RESOURCE_ABSENT,
  RESOURCE_ANY,
  RESOURCE_LISTED,
  RESOURCE_NONE,
  RESOURCE_NOT_LISTED,
  type ResourceDatum,
  type ResourceEntry,
  StatementView,
  extraFor,
  pushRecord,
} from './statement.ts';
import { validatePolicyText } from './validate.ts';
import { compileGlob, type Glob, type GlobToken } from './wildcard.ts';
import { EXACT_ARN, PREFIX_ARN, arnShape, compileArnPattern } from './arn.ts';
import { memoizeResolved, parseTemplate } from './variables.ts';
import {
  type CompiledCondition,
  ConditionValues,
  conditionOf,
  nullCondition,
} from './conditions/condition.ts';
import { parseOperator } from './conditions/operators.ts';
import { knownValue, share, sharedValue } from './shared.ts';

// An array grown by push keeps room for more (17 slots from the first push): compiled lists are
// copied to their exact length once built, as they are held for as long as the policy is.
const NOTHING: readonly never[] = Object.freeze([]);

/** The most keys a policy's index holds in a list, scanned, rather than in a Map. */
const LISTED_KEYS = 6;
const NO_SERVICES: ReadonlyMap<string, IndexEntry> = new Map();

// A policy's kind and version as numbers (POLICY_SHAPE in ast.ts).
const KINDS: readonly PolicyKind[] = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp'];
const VERSIONS: readonly (PolicyVersion | undefined)[] = [undefined, '2012-10-17', '2008-10-17'];
const { kindMask: KIND_MASK, versionShift: VERSION_SHIFT, versionMask: VERSION_MASK } = POLICY_SHAPE;
const { mapped: MAPPED, keysShift: KEYS_SHIFT, countShift: COUNT_SHIFT } = POLICY_SHAPE;

/**
 * The policy's text, which the compiled policy keeps: strings it holds are slices of it where the
 * text holds them as written, which costs a slice's 32 bytes instead of a copy of the characters.
 */
class PolicyText {
  /** Where the last string was found: strings are asked for in the order they are written. */
  private from = 0;
  constructor(private readonly text: string) {}

  /** `value` as a slice of the text, else interned (V8 copies a slice shorter than 13 characters). */
  readonly keep = (value: string): string => (value.length < 13 ? null : this.find(value)) ?? intern(value);

  /** `value` as a slice of the text, or null. */
  find(value: string): string | null {
    // Searched for in a window only, so that the work per string stays bounded; one not found
    // there (written with escapes, or far from the one before) is a copy of its own.
    const { text, from } = this;
    const found = text.slice(from, from + SEARCH_WINDOW + value.length).indexOf(value);
    if (found < 0) return null;
    const at = from + found;
    this.from = at + value.length;
    return text.slice(at, this.from);
  }
}

/** How far past the last string found the next one is looked for in the policy's text. */
const SEARCH_WINDOW = 4096;

export interface ParseOptions {
  readonly kind: PolicyKind;
  /** Names the policy in explanations (a policy ARN, "user/alice/inline-name", ...). */
  readonly id?: string;
  /**
   * A document stored before a later release tightened the grammar: read as it was accepted then
   * (a repeated key keeps its last value, as JSON.parse reads it), so that nothing stored stops
   * working. New documents are always checked in full.
   */
  readonly stored?: boolean;
  /**
   * An SCP or RCP refused answers with IAM's message for the fault, not Organizations' single
   * message that names none: for explaining a refusal to a person.
   */
  readonly ownMessages?: boolean;
}

/**
 * A compiled policy, and the document it was read from for whoever parsed it (the compiled policy
 * itself keeps only the text: its `document` reads the text again).
 */
export type ParseResult =
  { ok: true; policy: CompiledPolicy; document: PolicyDocument } | { ok: false; error: PolicyError };

/**
 * The most policy elements (actions, resources, condition values, statements) compiled in one step
 * of parsePolicyInSteps. A step of this size takes well under a millisecond; the largest input
 * AWS accepts (a simulator's 131,072-character policy) holds ten thousand elements and more, tens
 * of milliseconds in one piece.
 */
export const ELEMENTS_PER_STEP = 256;

export function parsePolicy(text: string, options: ParseOptions): ParseResult {
  return finish(parsePolicyInSteps(text, options));
}

/**
 * parsePolicy in steps: the generator pauses (yields) after validating, and then after every
 * ELEMENTS_PER_STEP elements compiled, so that a caller holding other work — a server's event loop
 * — can let it run between steps. Driven to its end it returns what parsePolicy returns.
 */
export function* parsePolicyInSteps(text: string, options: ParseOptions): Generator<void, ParseResult> {
  const validated = validatePolicyText(text, options.kind, {
    repeatedKeys: !options.stored,
    ownMessages: options.ownMessages === true,
  });
  if (!validated.ok) return validated;
  yield;
  const { document } = validated;
  return { ok: true, policy: yield* compileInSteps(document, text, options, new Meter()), document };
}

function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Counts elements compiled and says when a step is full. */
class Meter {
  private count = 0;
  /** True when this element ends a step (the caller then yields). */
  tick(): boolean {
    if (++this.count < ELEMENTS_PER_STEP) return false;
    this.count = 0;
    return true;
  }
}

/**
 * A compiled policy keeps its text, not the document read from it (which takes more heap than the
 * text itself): the few who ask for the document (the simulator, explanations) get it read again.
 */
class Policy implements CompiledPolicy {
  constructor(
    readonly id: string,
    private readonly text: string,
    readonly shape: number,
    readonly entries: PolicyEntries,
    readonly anyService: IndexEntry | null,
  ) {}

  get kind(): PolicyKind {
    return KINDS[this.shape & KIND_MASK]!;
  }

  get version(): PolicyVersion | undefined {
    return VERSIONS[(this.shape >>> VERSION_SHIFT) & VERSION_MASK];
  }

  get statements(): readonly CompiledStatement[] {
    const first = indexLength(this.shape);
    const count = this.shape >>> COUNT_SHIFT;
    return Array.from({ length: count }, (_, i) => new StatementView(this.entries, first + i * RECORD, i));
  }

  /**
   * Written as JSON, a compiled policy is what it was compiled from: its index, whose statements
   * point back at it, is a cycle JSON.stringify would refuse (as in a logged evaluation result).
   */
  toJSON(): { id: string; kind: PolicyKind; version: PolicyVersion | undefined; text: string } {
    return { id: this.id, kind: this.kind, version: this.version, text: this.text };
  }

  // Made when asked for (tests, tools): evaluation reads `entries`.
  get byAction(): ReadonlyMap<string, IndexEntry> {
    return new Map([...indexEntries(this.entries, this.shape)].filter(([key]) => key.includes(':')));
  }

  get byService(): ReadonlyMap<string, IndexEntry> {
    return new Map([...indexEntries(this.entries, this.shape)].filter(([key]) => !key.includes(':')));
  }

  get document(): PolicyDocument {
    // The text was accepted when compiled; read leniently (a stored document's repeated keys).
    const read = validatePolicyText(this.text, this.kind, { repeatedKeys: false, ownMessages: true });
    if (!read.ok) throw new Error(`policy ${this.id} no longer reads: ${read.error.message}`);
    return read.document;
  }
}

/** A statement as compileStatement makes it, before its policy's list is laid out. */
interface StatementDraft {
  /** Its effect, Action and Resource kinds and number of exact ARNs (statement.ts). */
  readonly flags: number;
  readonly extra: Extra;
  readonly sid: string | undefined;
  readonly actions: readonly ActionDatum[];
  readonly resources: readonly ResourceDatum[];
}

function* compileInSteps(
  document: PolicyDocument,
  text: string,
  options: ParseOptions,
  meter: Meter,
): Generator<void, CompiledPolicy> {
  const variables = document.Version === '2012-10-17';
  const documents = asArray(document.Statement);
  const drafts: StatementDraft[] = [];
  const policyText = new PolicyText(text);
  for (let index = 0; index < documents.length; index++) {
    drafts.push(yield* compileStatement(documents[index]!, variables, policyText, meter));
    if (meter.tick()) yield;
  }
  // Actions ("s3:getobject") and services ("s3") as keys of one map: only actions have a colon.
  // A statement whose Action lists only exact actions (INDEXED) holds none of them itself: the
  // index lists it under each.
  const byKey = new Map<string, number[]>();
  const anyService: number[] = [];
  const indexed = drafts.map((_, i) => {
    const services = actionsByService(documents[i]!);
    if (!services) {
      anyService.push(i);
      return false;
    }
    let exactOnly = true;
    for (const [service, actions] of services) {
      if (actions === null) {
        getOrAdd(byKey, service).push(i);
        exactOnly = false;
      } else for (const action of actions) getOrAdd(byKey, action).push(i);
    }
    return exactOnly;
  });

  // The list (PolicyEntries in ast.ts): the index, the statements' records, their values. Built
  // by push, element by element (a list made at its length and then filled is read as one with
  // holes, which costs evaluation a check on each read), then copied at its exact length.
  const mapped = byKey.size > LISTED_KEYS;
  const first = mapped ? 2 : byKey.size * 2;
  const at = (i: number) => first + i * RECORD;
  const actionsOf = (i: number) => (indexed[i] ? NOTHING : drafts[i]!.actions);
  const list: PolicyEntries[number][] = [];
  pushIndex(list, byKey, at, mapped);
  let run = at(drafts.length);
  drafts.forEach((draft, i) => {
    const actions = actionsOf(i).length;
    pushRecord(
      list,
      draft.flags | (indexed[i] ? INDEXED : 0),
      run,
      actions,
      draft.resources.length,
      draft.extra,
      draft.sid,
    );
    run += actions + draft.resources.length;
  });
  drafts.forEach((draft, i) => {
    for (const datum of actionsOf(i)) list.push(datum);
    for (const datum of draft.resources) list.push(datum);
  });
  const entries = fit(list);
  return Object.freeze(
    new Policy(
      options.id ?? document.Id ?? 'policy',
      text,
      KINDS.indexOf(options.kind) |
        (VERSIONS.indexOf(document.Version) << VERSION_SHIFT) |
        (mapped ? MAPPED : byKey.size << KEYS_SHIFT) |
        (drafts.length << COUNT_SHIFT),
      entries,
      anyService.length === 0 ? null : anyService.length === 1 ? at(anyService[0]!) : anyService.map(at),
    ),
  );
}

function* compileStatement(
  s: StatementDocument,
  variables: boolean,
  text: PolicyText,
  meter: Meter,
): Generator<void, StatementDraft> {
  // Interned: the statements of policies written from one template share their Sids.
  const sid = s.Sid === undefined ? undefined : intern(s.Sid);
  const actions =
    s.NotAction !== undefined
      ? yield* actionSet(s.NotAction, true, meter)
      : yield* actionSet(s.Action ?? [], false, meter);
  const resources =
    s.NotResource !== undefined
      ? yield* resourceSet(s.NotResource, variables, true, text, meter)
      : s.Resource !== undefined
        ? yield* resourceSet(s.Resource, variables, false, text, meter)
        : NO_RESOURCE;
  const principal =
    s.NotPrincipal !== undefined
      ? notPrincipal(principalMatcher(s.NotPrincipal))
      : s.Principal !== undefined
        ? principalMatcher(s.Principal)
        : null;
  const conditions = yield* compileConditions(s, variables, meter);
  return {
    flags:
      (s.Effect === 'Deny' ? DENY : 0) |
      actions.kind |
      resources.kind |
      (resources.exact << EXACT_ARNS_SHIFT),
    extra: extraFor(principal, conditions),
    sid,
    actions: actions.data,
    resources: resources.data,
  };
}

// ---- actions: lower case; exact names in a list (a Set when many), wildcards as globs

interface ActionSet {
  readonly kind: number;
  /** Exact actions (a Set when many), then services named with `service:*`, then globs. */
  readonly data: readonly ActionDatum[];
}

/** `service:*`, whose service has no wildcard of its own. */
const SERVICE_WIDE = /^[^:*?]+:\*$/;

function* actionSet(actions: OneOrMany<string>, negated: boolean, meter: Meter): Generator<void, ActionSet> {
  const exact: string[] = [];
  const services: string[] = [];
  const globs: Glob[] = [];
  for (const action of asArray(actions)) {
    const lower = intern(action.toLowerCase());
    if (SERVICE_WIDE.test(lower)) {
      const service = intern(lower.slice(0, -2));
      if (!services.includes(service)) services.push(service);
    } else if (lower.includes('*') || lower.includes('?')) globs.push(compileGlob(lower));
    else if (!exact.includes(lower)) exact.push(lower);
    if (meter.tick()) yield;
  }
  // With `*` among them, the others are never looked at.
  if (globs.some((g) => g.matchesEverything))
    return { kind: negated ? ACTION_NONE : ACTION_ANY, data: NOTHING };
  // A few names are searched in a list, which takes less heap than a Set; many in a Set.
  const many = exact.length > EXACT_LISTED;
  const names: readonly ActionDatum[] = many ? [new Set(exact)] : exact;
  return {
    kind: (negated ? ACTION_NOT_LISTED : ACTION_LISTED) | (many ? ACTION_SET : 0),
    data: [...names, ...services, ...globs],
  };
}

/**
 * Where a statement is indexed (INVARIANT(index) in ast.ts): for each service prefix its Action
 * names, the exact actions (lower case) it lists there, or null when one of them there is a
 * wildcard; null overall when it could match any service (NotAction, a wildcard in a prefix).
 */
function actionsByService(s: StatementDocument): Map<string, Set<string> | null> | null {
  if (s.Action === undefined) return null;
  const services = new Map<string, Set<string> | null>();
  for (const written of asArray(s.Action)) {
    const action = intern(written.toLowerCase());
    const colon = action.indexOf(':');
    const service = intern(colon < 0 ? action : action.slice(0, colon));
    if (colon < 0 || service.includes('*') || service.includes('?')) return null;
    const exact = !action.includes('*') && !action.includes('?');
    const known = services.get(service);
    if (!exact) services.set(service, null);
    else if (known === undefined) services.set(service, new Set([action]));
    else known?.add(action);
  }
  return services;
}

// ---- resources: ARN-aware, case-sensitive; variables resolved per request

interface ResourceSet {
  readonly kind: number;
  /** Exact ARNs (a Set when many), then prefixes (their closing `*` left off), then patterns. */
  readonly data: readonly ResourceDatum[];
  /** How many of `data` are exact ARNs: at most EXACT_LISTED, or one Set. */
  readonly exact: number;
}

const NO_RESOURCE: ResourceSet = { kind: RESOURCE_ABSENT, data: NOTHING, exact: 0 };

function* resourceSet(
  resources: OneOrMany<string>,
  variables: boolean,
  negated: boolean,
  text: PolicyText,
  meter: Meter,
): Generator<void, ResourceSet> {
  const exact: string[] = [];
  const prefixes: string[] = [];
  const patterns: ResourceEntry[] = [];
  let any = false;
  for (const written of asArray(resources)) {
    const template = parseTemplate(written, { variables, wildcards: true, keep: text.keep });
    if (template.hasVariables) {
      // One for all statements and policies that write it alike ("arn:aws:iam::*:user/${aws:username}"
      // is in most statements of a self-service policy), its memo of patterns per user shared too;
      // read again with its literal runs interned, as a shared value outlives this text.
      patterns.push(
        sharedValue(`r${written}`, () =>
          memoizeResolved(parseTemplate(written, { variables: true, wildcards: true }), compileArnPattern),
        ),
      );
    } else {
      const tokens = template.parts as GlobToken[];
      const shape = arnShape(tokens);
      if (shape === EXACT_ARN) exact.push(tokens[0] as string);
      else if (shape === PREFIX_ARN) prefixes.push(tokens[0] as string);
      else {
        const pattern = compileArnPattern(tokens);
        if (pattern.matchesEverything) any = true;
        patterns.push(pattern);
      }
    }
    if (meter.tick()) yield;
  }
  // With `*` among them, the others are never looked at.
  if (any) return { kind: negated ? RESOURCE_NONE : RESOURCE_ANY, data: NOTHING, exact: 0 };
  const arns: readonly ResourceDatum[] = exact.length > EXACT_LISTED ? [new Set(exact)] : exact;
  return {
    kind: negated ? RESOURCE_NOT_LISTED : RESOURCE_LISTED,
    data: [...arns, ...prefixes, ...patterns],
    exact: arns.length,
  };
}

// ---- principals (resource-based and trust policies)

/** A user's or role's unique id, as IAM stores a principal ARN (AIDA… user, AROA… role). */
const UNIQUE_ID = /^A(?:IDA|ROA)[A-Z0-9]{12,}$/;

function principalMatcher(principal: PrincipalDocument): PrincipalMatcher {
  if (principal === '*') return { match: () => 'direct' };
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const uniqueIds = new Set<string>();
  let anyone = false;
  for (const value of asArray(principal.AWS ?? [])) {
    if (value === '*') anyone = true;
    else if (/^\d{12}$/.test(value)) accounts.add(value);
    else if (UNIQUE_ID.test(value)) uniqueIds.add(value);
    else {
      const root = /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(value);
      if (root) accounts.add(root[1]!);
      else arns.add(value);
    }
  }
  const services = new Set(asArray(principal.Service ?? []).map((s) => s.toLowerCase()));
  const federated = new Set(asArray(principal.Federated ?? []));
  const canonical = new Set(asArray(principal.CanonicalUser ?? []));
  if (canonical.has('*')) anyone = true;
  return {
    match(p) {
      if (anyone) return 'direct';
      if (!p) return null;
      if (arns.has(p.arn)) return 'direct';
      if (p.service !== undefined && services.has(p.service.toLowerCase())) return 'direct';
      if (p.federatedProvider !== undefined && federated.has(p.federatedProvider)) return 'direct';
      if (p.roleArn !== undefined && arns.has(p.roleArn)) return 'role';
      if (p.uniqueId !== undefined && uniqueIds.has(p.uniqueId))
        return p.type === 'assumed-role' ? 'role' : 'direct';
      if (accounts.has(p.account) && p.type !== 'service' && p.type !== 'anonymous') return 'account';
      return null;
    },
  };
}

/** NotPrincipal: applies to every principal the list does not name. */
function notPrincipal(inner: PrincipalMatcher): PrincipalMatcher {
  return { match: (p) => (inner.match(p) === null ? 'direct' : null) };
}

// ---- conditions

function* compileConditions(
  s: StatementDocument,
  variables: boolean,
  meter: Meter,
): Generator<void, readonly CompiledCondition[]> {
  const compiled: CompiledCondition[] = [];
  for (const [operatorName, keys] of Object.entries(s.Condition ?? {})) {
    const operator = parseOperator(operatorName);
    for (const [key, values] of Object.entries(keys)) {
      if (!operator) {
        // Validation rejects unknown operators; should one slip through, it can never hold.
        compiled.push({ operator: operatorName, key: key.toLowerCase(), evaluate: () => false });
        continue;
      }
      const texts = asArray(values).map(String);
      // A condition is data (its values' variables resolved through bounded memos): one object
      // for all statements and policies that write it alike, as the office's IP ranges often are.
      const sharedKey = `k${variables ? 1 : 0}${JSON.stringify([operatorName, key, texts])}`;
      const known = knownValue<CompiledCondition>(sharedKey);
      if (known !== undefined) {
        compiled.push(known);
        for (let i = 0; i < texts.length; i++) if (meter.tick()) yield;
        continue;
      }
      if (operator.isNull) {
        compiled.push(share(sharedKey, nullCondition(operator.name, key, texts)));
        continue;
      }
      const policyValues = new ConditionValues(operator, variables);
      for (const text of texts) {
        policyValues.add(text);
        if (meter.tick()) yield;
      }
      compiled.push(share(sharedKey, conditionOf(operator, key, policyValues)));
    }
  }
  return fit(compiled);
}

// ---- helpers

function asArray<T>(value: OneOrMany<T>): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}

function fit<T>(list: T[]): readonly T[] {
  return list.length === 0 ? NOTHING : list.slice();
}

/**
 * Appends the policy's index, which opens its list: a key naming one statement holds its record's
 * position, others a list of positions, one list shared by every key that holds the same
 * statements (a statement listing three actions is three keys, most often of one same list). Few
 * keys are keys and entries, alternating; more, two Maps.
 */
function pushIndex(
  entries: PolicyEntries[number][],
  byKey: ReadonlyMap<string, readonly number[]>,
  at: (statement: number) => number,
  mapped: boolean,
): void {
  const shared = new Map<string, readonly number[]>();
  const entryOf = (list: readonly number[]): IndexEntry => {
    if (list.length === 1) return at(list[0]!);
    const key = list.join(',');
    let one = shared.get(key);
    if (one === undefined) shared.set(key, (one = list.map(at)));
    return one;
  };
  if (!mapped) {
    for (const [key, list] of byKey) entries.push(key, entryOf(list));
    return;
  }
  // Two maps, actions' and services' (most often none, one empty map for all): a lookup in a map
  // of hundreds of actions costs more than one in a map of a few services.
  const actions = new Map<string, IndexEntry>();
  const services = new Map<string, IndexEntry>();
  for (const [key, list] of byKey) (key.includes(':') ? actions : services).set(key, entryOf(list));
  entries.push(actions, services.size === 0 ? NO_SERVICES : services);
}

function* indexEntries(entries: PolicyEntries, shape: number): Iterable<[string, IndexEntry]> {
  if ((shape & MAPPED) !== 0) {
    yield* (entries[0] as ReadonlyMap<string, IndexEntry>).entries();
    yield* (entries[1] as ReadonlyMap<string, IndexEntry>).entries();
    return;
  }
  for (let i = 0; i < indexLength(shape); i += 2) yield [entries[i] as string, entries[i + 1] as IndexEntry];
}

function getOrAdd<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
