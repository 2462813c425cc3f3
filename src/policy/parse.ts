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
import type {
  ActionMatcher,
  CompiledPolicy,
  CompiledStatement,
  PrincipalMatcher,
  ResourceMatcher,
} from './ast.ts';
import { validatePolicyText } from './validate.ts';
import { compileGlob, type Glob, type GlobToken } from './wildcard.ts';
import { type ArnPattern, compileArnPattern } from './arn.ts';
import { memoizeResolved, parseTemplate } from './variables.ts';
import {
  type CompiledCondition,
  ConditionValues,
  conditionOf,
  nullCondition,
} from './conditions/condition.ts';
import type { ContextLookup, PreparedRequest } from './request.ts';
import { parseOperator } from './conditions/operators.ts';

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
    readonly kind: PolicyKind,
    readonly version: PolicyVersion | undefined,
    private readonly text: string,
    readonly statements: readonly CompiledStatement[],
    readonly byAction: ReadonlyMap<string, readonly CompiledStatement[]>,
    readonly byService: ReadonlyMap<string, readonly CompiledStatement[]>,
    readonly anyService: readonly CompiledStatement[],
  ) {}

  get document(): PolicyDocument {
    // The text was accepted when compiled; read leniently (a stored document's repeated keys).
    const read = validatePolicyText(this.text, this.kind, { repeatedKeys: false, ownMessages: true });
    if (!read.ok) throw new Error(`policy ${this.id} no longer reads: ${read.error.message}`);
    return read.document;
  }
}

function* compileInSteps(
  document: PolicyDocument,
  text: string,
  options: ParseOptions,
  meter: Meter,
): Generator<void, CompiledPolicy> {
  const variables = document.Version === '2012-10-17';
  const documents = asArray(document.Statement);
  const statements: CompiledStatement[] = [];
  for (let index = 0; index < documents.length; index++) {
    statements.push(yield* compileStatement(documents[index]!, index, variables, meter));
    if (meter.tick()) yield;
  }
  const byAction = new Map<string, CompiledStatement[]>();
  const byService = new Map<string, CompiledStatement[]>();
  const anyService: CompiledStatement[] = [];
  statements.forEach((statement, i) => {
    const services = actionsByService(documents[i]!);
    if (!services) {
      anyService.push(statement);
      return;
    }
    for (const [service, actions] of services) {
      if (actions === null) getOrAdd(byService, service).push(statement);
      else for (const action of actions) getOrAdd(byAction, action).push(statement);
    }
  });
  return Object.freeze(
    new Policy(
      options.id ?? document.Id ?? 'policy',
      options.kind,
      document.Version,
      text,
      fit(statements),
      fitLists(byAction),
      fitLists(byService),
      fit(anyService),
    ),
  );
}

function* compileStatement(
  s: StatementDocument,
  index: number,
  variables: boolean,
  meter: Meter,
): Generator<void, CompiledStatement> {
  const action =
    s.NotAction !== undefined
      ? yield* actionSet(s.NotAction, true, meter)
      : yield* actionSet(s.Action ?? [], false, meter);
  const resource =
    s.NotResource !== undefined
      ? yield* resourceSet(s.NotResource, variables, true, meter)
      : s.Resource !== undefined
        ? yield* resourceSet(s.Resource, variables, false, meter)
        : null;
  const principal =
    s.NotPrincipal !== undefined
      ? notPrincipal(principalMatcher(s.NotPrincipal))
      : s.Principal !== undefined
        ? principalMatcher(s.Principal)
        : null;
  return Object.freeze({
    index,
    sid: s.Sid,
    effect: s.Effect,
    action,
    resource,
    principal,
    conditions: yield* compileConditions(s, variables, meter),
    described: [],
  });
}

// ---- actions: lower case; exact names in a Set, wildcards as globs

/**
 * One class for every Action/NotAction element, so that evaluation's call site sees one shape
 * (closures of different shapes there made the call megamorphic, and slow).
 */
class ActionSet implements ActionMatcher {
  /** `*` and NotAction in one field (a compiled policy holds one set per statement). */
  private readonly kind: ActionSetKind;
  /** A few names are searched in a list, which takes less heap than a Set; many in a Set. */
  private readonly exactSet: ReadonlySet<string> | null;

  private readonly exact: readonly string[];
  /** Services named with `service:*`, the most common wildcard: one comparison each. */
  private readonly services: readonly string[];
  private readonly globs: readonly Glob[];

  constructor(
    exact: readonly string[],
    services: readonly string[],
    globs: readonly Glob[],
    negated: boolean,
  ) {
    const any = globs.some((g) => g.matchesEverything);
    this.kind = any
      ? negated
        ? ActionSetKind.NoAction
        : ActionSetKind.AnyAction
      : negated
        ? ActionSetKind.NotListed
        : ActionSetKind.Listed;
    // With `*` among them, the others are never looked at.
    this.exact = any ? NOTHING : exact;
    this.services = any ? NOTHING : services;
    this.globs = any ? NOTHING : globs;
    this.exactSet = this.exact.length > 8 ? new Set(this.exact) : null;
  }

  matches(actionKey: string, service: string): boolean {
    const { kind } = this;
    if (kind === ActionSetKind.AnyAction) return true;
    if (kind === ActionSetKind.NoAction) return false;
    return this.listed(actionKey, service) !== (kind === ActionSetKind.NotListed);
  }

  private listed(actionKey: string, service: string): boolean {
    // "s3:*" needs the colon: an action written without one ("s3") is not in the service.
    if (actionKey.length > service.length && listed(this.services, service)) return true;
    if (this.exactSet ? this.exactSet.has(actionKey) : listed(this.exact, actionKey)) return true;
    const { globs } = this;
    for (let g = 0; g < globs.length; g++) if (globs[g]!.matches(actionKey)) return true;
    return false;
  }
}

const enum ActionSetKind {
  /** Action: the actions listed. */
  Listed,
  /** NotAction: the actions not listed. */
  NotListed,
  /** Action with `*`. */
  AnyAction,
  /** NotAction with `*`. */
  NoAction,
}

/** Array.prototype.includes, as a loop evaluation inlines (the builtin is a call each time). */
function listed(list: readonly string[], text: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === text) return true;
  return false;
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
  return new ActionSet(fit(exact), fit(services), fit(globs), negated);
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

/**
 * A resource pattern as compiled, or, with variables, the function that compiles it per resolved
 * value (null when a variable cannot be resolved).
 */
type ResourceEntry = ArnPattern | ((context: ContextLookup) => ArnPattern | null);

/** One class for every Resource/NotResource element (one shape at evaluation's call site). */
class ResourceSet implements ResourceMatcher {
  private readonly any: boolean;

  private readonly entries: readonly ResourceEntry[];

  constructor(
    entries: readonly ResourceEntry[],
    private readonly negated: boolean,
  ) {
    this.any = entries.some((e) => typeof e !== 'function' && e.matchesEverything);
    // With `*` among them, the others are never looked at.
    this.entries = this.any ? NOTHING : entries;
  }

  matches(request: PreparedRequest): boolean {
    return this.listed(request) !== this.negated;
  }

  private listed(request: PreparedRequest): boolean {
    if (this.any) return true;
    const { entries } = this;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      // An unresolved variable never matches.
      const pattern = typeof entry === 'function' ? entry(request.context) : entry;
      if (pattern && pattern.matches(request.resource, request.resourceParts)) return true;
    }
    return false;
  }
}

function* resourceSet(
  resources: OneOrMany<string>,
  variables: boolean,
  negated: boolean,
  meter: Meter,
): Generator<void, ResourceSet> {
  const entries: ResourceEntry[] = [];
  for (const text of asArray(resources)) {
    const template = parseTemplate(text, { variables, wildcards: true });
    entries.push(
      template.hasVariables
        ? memoizeResolved(template, compileArnPattern)
        : compileArnPattern(template.parts as GlobToken[]),
    );
    if (meter.tick()) yield;
  }
  return new ResourceSet(fit(entries), negated);
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
      if (operator.isNull) {
        compiled.push(nullCondition(operator.name, key, texts));
        continue;
      }
      const policyValues = new ConditionValues(operator, variables);
      for (const text of texts) {
        policyValues.add(text);
        if (meter.tick()) yield;
      }
      compiled.push(conditionOf(operator, key, policyValues));
    }
  }
  return fit(compiled);
}

// ---- helpers

function asArray<T>(value: OneOrMany<T>): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}

// An array grown by push keeps room for more (17 slots from the first push): compiled lists are
// copied to their exact length once built, as they are held for as long as the policy is.
const NOTHING: readonly never[] = Object.freeze([]);
const NO_INDEX: ReadonlyMap<unknown, readonly CompiledStatement[]> = new Map();

function fit<T>(list: T[]): readonly T[] {
  return list.length === 0 ? NOTHING : list.slice();
}

/**
 * The index's lists at their exact length, one list shared by every key that holds the same
 * statements: a statement listing three actions is three keys, most often of one same list.
 */
function fitLists<K>(
  map: Map<K, readonly CompiledStatement[]>,
): ReadonlyMap<K, readonly CompiledStatement[]> {
  // An empty index (no statement names an exact action, or none a wildcard) is one map for all.
  if (map.size === 0) return NO_INDEX as ReadonlyMap<K, readonly CompiledStatement[]>;
  const shared = new Map<string, readonly CompiledStatement[]>();
  for (const [key, list] of map) {
    const statements = list.map((s) => s.index).join(',');
    let fitted = shared.get(statements);
    if (fitted === undefined) shared.set(statements, (fitted = fit(list as CompiledStatement[])));
    map.set(key, fitted);
  }
  return map;
}

function getOrAdd<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
