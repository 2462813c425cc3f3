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
import type { MatchedStatement, PolicyError, PolicyKind } from './types.ts';
import {
  type CompiledPolicy,
  type CompiledStatement,
  type IndexEntry,
  type PolicyEntries,
  type PrincipalMatcher,
  POLICY_SHAPE,
} from './ast.ts';
import { validatePolicyText } from './validate.ts';
import { compileGlob, type Glob, type GlobToken } from './wildcard.ts';
import { type ArnPattern, EXACT_ARN, PREFIX_ARN, arnShape, compileArnPattern } from './arn.ts';
import { Resolved, memoizeResolved, parseTemplate } from './variables.ts';
import {
  type CompiledCondition,
  ConditionValues,
  conditionOf,
  nullCondition,
} from './conditions/condition.ts';
import type { PreparedRequest } from './request.ts';
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
const { mapped: MAPPED, countShift: COUNT_SHIFT } = POLICY_SHAPE;

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
    readonly anyService: readonly CompiledStatement[],
  ) {}

  get kind(): PolicyKind {
    return KINDS[this.shape & KIND_MASK]!;
  }

  get version(): PolicyVersion | undefined {
    return VERSIONS[(this.shape >>> VERSION_SHIFT) & VERSION_MASK];
  }

  get statements(): readonly CompiledStatement[] {
    const count = this.shape >>> COUNT_SHIFT;
    return count === 0 ? NOTHING : (this.entries.slice(0, count) as CompiledStatement[]);
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
    return new Map([...indexEntries(this.entries)].filter(([key]) => key.includes(':')));
  }

  get byService(): ReadonlyMap<string, IndexEntry> {
    return new Map([...indexEntries(this.entries)].filter(([key]) => !key.includes(':')));
  }

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
  const policyText = new PolicyText(text);
  for (let index = 0; index < documents.length; index++) {
    statements.push(yield* compileStatement(documents[index]!, index, variables, policyText, meter));
    if (meter.tick()) yield;
  }
  // Actions ("s3:getobject") and services ("s3") as keys of one map: only actions have a colon.
  const byKey = new Map<string, CompiledStatement[]>();
  const anyService: CompiledStatement[] = [];
  const indexedOnly: Statement[] = [];
  statements.forEach((statement, i) => {
    const services = actionsByService(documents[i]!);
    if (!services) {
      anyService.push(statement);
      return;
    }
    let exactOnly = true;
    for (const [service, actions] of services) {
      if (actions === null) {
        getOrAdd(byKey, service).push(statement);
        exactOnly = false;
      } else for (const action of actions) getOrAdd(byKey, action).push(statement);
    }
    if (exactOnly) indexedOnly.push(statement as Statement);
  });
  const entries = withIndex(statements, byKey);
  for (const statement of indexedOnly) statement.listedIn(entries);
  return Object.freeze(
    new Policy(
      options.id ?? document.Id ?? 'policy',
      text,
      KINDS.indexOf(options.kind) |
        (VERSIONS.indexOf(document.Version) << VERSION_SHIFT) |
        (entries[entries.length - 1] instanceof Map ? MAPPED : 0) |
        (statements.length << COUNT_SHIFT),
      entries,
      fit(anyService),
    ),
  );
}

function* compileStatement(
  s: StatementDocument,
  index: number,
  variables: boolean,
  text: PolicyText,
  meter: Meter,
): Generator<void, CompiledStatement> {
  // Most often written first; a Sid not found stays the string JSON.parse made (not interned).
  const sid = s.Sid === undefined || s.Sid.length < 13 ? s.Sid : (text.find(s.Sid) ?? s.Sid);
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
  const patterns: readonly (string | Glob | ResourceEntry)[] =
    resources.patterns.length === 0
      ? actions.patterns
      : actions.patterns.length === 0
        ? resources.patterns
        : // concat allocates the exact length; a spread leaves room to grow.
          (actions.patterns as readonly (string | Glob | ResourceEntry)[]).concat(resources.patterns);
  return new Statement(
    sid,
    (s.Effect === 'Deny' ? DENY : 0) | actions.kind | resources.kind | (index << INDEX_SHIFT),
    resources.exact | (actions.patterns.length << ACTION_PATTERNS_SHIFT),
    actions.exact,
    resources.arns,
    patterns,
    principal,
    conditions,
  );
}

// A statement's effect, Action kind, Resource kind, INDEXED and index, in one number (`flags`), and its
// counts of exact ARNs and of Action patterns in another (`counts`). A document holds at most
// 131,072 characters (validate.ts): fewer than 2^17 statements, and fewer than 2^15 ARNs (each
// with five colons) or Action patterns (each with a colon and a wildcard) in a statement.
const DENY = 1;
const ACTION_KIND = 0b110;
const RESOURCE_KIND = 0b111000;
/** The statement's actions are those the policy's index lists it under. */
const INDEXED = 0b1000000;
const INDEX_SHIFT = 7;
const EXACT_ARNS = 0x7fff;
const ACTION_PATTERNS_SHIFT = 15;

const enum ActionKind {
  /** Action: the actions listed. */
  Listed = 0,
  /** NotAction: the actions not listed. */
  NotListed = 0b010,
  /** Action with `*`. */
  Any = 0b100,
  /** NotAction with `*`. */
  None = 0b110,
}

const enum ResourceKind {
  /** No Resource/NotResource element (trust policies): any resource. */
  Absent = 0,
  /** Resource: the resources listed. */
  Listed = 0b001000,
  /** NotResource: the resources not listed. */
  NotListed = 0b010000,
  /** Resource with `*`. */
  Any = 0b011000,
  /** NotResource with `*`. */
  None = 0b100000,
}

/**
 * A resource pattern as compiled, or, with variables, the function that compiles it per resolved
 * value (null when a variable cannot be resolved).
 */
type ResourceEntry = ArnPattern | Resolved<ArnPattern>;

/**
 * One class for every statement, so that evaluation's call sites see one shape. Its Action and
 * Resource elements are fields of its own rather than objects of their own: ARNs without wildcards
 * and ARNs whose only wildcard is a closing `*` (most are one or the other) are strings in one
 * list, the others patterns in a second, each empty list one shared array.
 */
class Statement implements CompiledStatement {
  described: MatchedStatement[] | null = null;

  constructor(
    readonly sid: string | undefined,
    private flags: number,
    private readonly counts: number,
    /**
     * The exact actions (lower case), in a Set when many; or, when they are all the statement's
     * Action lists (no wildcard, no NotAction), the policy's index (flag INDEXED), which lists the
     * statement under each of them: they are not held twice.
     */
    private actions: readonly string[] | ReadonlySet<string> | PolicyEntries,
    /**
     * ARNs compared whole: as many as `counts` says equal, the others as prefixes (their `*` left
     * off).
     */
    private readonly arns: readonly string[],
    /**
     * In one list (one array less per statement): the Action patterns, as many as `counts` says —
     * services named with `service:*` (the most common wildcard: one comparison each) and globs —
     * then the other Resource patterns.
     */
    private readonly patterns: readonly (string | Glob | ResourceEntry)[],
    readonly principal: PrincipalMatcher | null,
    readonly conditions: readonly CompiledCondition[],
  ) {}

  /** Compilation's last step: the statement's actions are those `index` lists it under. */
  listedIn(index: PolicyEntries): void {
    this.actions = index;
    this.flags |= INDEXED;
  }

  get index(): number {
    return this.flags >>> INDEX_SHIFT;
  }

  get effect(): 'Allow' | 'Deny' {
    return (this.flags & DENY) !== 0 ? 'Deny' : 'Allow';
  }

  matchesAction(actionKey: string, service: string): boolean {
    const kind = this.flags & ACTION_KIND;
    if (kind === ActionKind.Any) return true;
    if (kind === ActionKind.None) return false;
    return this.actionListed(actionKey, service) !== (kind === ActionKind.NotListed);
  }

  private actionListed(actionKey: string, service: string): boolean {
    const { actions, patterns } = this;
    if ((this.flags & INDEXED) !== 0) {
      const entry = entryUnder(actions as PolicyEntries, actionKey);
      if (entry === this || (Array.isArray(entry) && entry.includes(this))) return true;
    } else if (Array.isArray(actions)) {
      if (listed(actions as readonly string[], actionKey)) return true;
    } else if ((actions as ReadonlySet<string>).has(actionKey)) return true;
    const end = this.counts >>> ACTION_PATTERNS_SHIFT;
    for (let i = 0; i < end; i++) {
      const pattern = patterns[i] as string | Glob;
      if (typeof pattern === 'string') {
        // "s3:*" needs the colon: an action written without one ("s3") is not in the service.
        if (pattern === service && actionKey.length > service.length) return true;
      } else if (pattern.matches(actionKey)) return true;
    }
    return false;
  }

  matchesResource(request: PreparedRequest): boolean {
    const kind = this.flags & RESOURCE_KIND;
    if (kind === ResourceKind.Absent || kind === ResourceKind.Any) return true;
    if (kind === ResourceKind.None) return false;
    return this.resourceListed(request) !== (kind === ResourceKind.NotListed);
  }

  private resourceListed(request: PreparedRequest): boolean {
    const { arns, patterns, counts } = this;
    const exactArns = counts & EXACT_ARNS;
    const { resource } = request;
    for (let i = 0; i < arns.length; i++) {
      if (i < exactArns ? resource === arns[i] : resource.startsWith(arns[i]!)) return true;
    }
    for (let i = counts >>> ACTION_PATTERNS_SHIFT; i < patterns.length; i++) {
      const entry = patterns[i] as ResourceEntry;
      // An unresolved variable never matches.
      const pattern = entry instanceof Resolved ? entry.resolve(request.context) : entry;
      if (pattern && pattern.matches(resource, request.resourceParts)) return true;
    }
    return false;
  }
}

// ---- actions: lower case; exact names in a list (a Set when many), wildcards as globs

interface ActionSet {
  readonly kind: ActionKind;
  readonly exact: readonly string[] | ReadonlySet<string>;
  readonly patterns: readonly (string | Glob)[];
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
  // With `*` among them, the others are never looked at.
  if (globs.some((g) => g.matchesEverything))
    return { kind: negated ? ActionKind.None : ActionKind.Any, exact: NOTHING, patterns: NOTHING };
  return {
    kind: negated ? ActionKind.NotListed : ActionKind.Listed,
    // A few names are searched in a list, which takes less heap than a Set; many in a Set.
    exact: exact.length > 8 ? new Set(exact) : fit(exact),
    patterns: fit<string | Glob>([...services, ...globs]),
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
  readonly kind: ResourceKind;
  readonly arns: readonly string[];
  readonly exact: number;
  readonly patterns: readonly ResourceEntry[];
}

const NO_RESOURCE: ResourceSet = { kind: ResourceKind.Absent, arns: NOTHING, exact: 0, patterns: NOTHING };

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
  if (any)
    return {
      kind: negated ? ResourceKind.None : ResourceKind.Any,
      arns: NOTHING,
      exact: 0,
      patterns: NOTHING,
    };
  return {
    kind: negated ? ResourceKind.NotListed : ResourceKind.Listed,
    arns: fit([...exact, ...prefixes]),
    exact: exact.length,
    patterns: fit(patterns),
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
 * The index's entries: a key naming one statement holds it, others a list at its exact length, one
 * list shared by every key that holds the same statements (a statement listing three actions is
 * three keys, most often of one same list). Few keys are a list of keys and entries, alternating;
 * no keys the one empty list.
 */
function withIndex(
  statements: readonly CompiledStatement[],
  map: Map<string, CompiledStatement[]>,
): PolicyEntries {
  if (map.size === 0) return fit(statements as CompiledStatement[]);
  const fitted = map as Map<string, IndexEntry>;
  const shared = new Map<string, readonly CompiledStatement[]>();
  for (const [key, list] of map) {
    if (list.length === 1) {
      fitted.set(key, list[0]!);
      continue;
    }
    const statements = list.map((s) => s.index).join(',');
    let one = shared.get(statements);
    if (one === undefined) shared.set(statements, (one = fit(list)));
    fitted.set(key, one);
  }
  // Made at its exact length (a list grown by push keeps room for more).
  const listed = fitted.size > LISTED_KEYS;
  const entries = new Array<PolicyEntries[number]>(statements.length + (listed ? 2 : fitted.size * 2));
  let i = 0;
  for (const statement of statements) entries[i++] = statement;
  if (listed) {
    // Two maps, actions' and services' (most often none, one empty map for all): a lookup in a
    // map of hundreds of actions costs more than one in a map of a few services.
    const services = new Map<string, IndexEntry>();
    for (const [key, entry] of fitted) if (!key.includes(':')) services.set(key, entry);
    for (const key of services.keys()) fitted.delete(key);
    entries[i++] = fitted;
    entries[i] = services.size === 0 ? NO_SERVICES : services;
  } else
    for (const [key, entry] of fitted) {
      entries[i++] = key;
      entries[i++] = entry;
    }
  return entries;
}

/** The index's entry under an action ("s3:getobject"). */
function entryUnder(entries: PolicyEntries, actionKey: string): IndexEntry | undefined {
  if (entries[entries.length - 1] instanceof Map)
    return (entries[entries.length - 2] as ReadonlyMap<string, IndexEntry>).get(actionKey);
  for (let i = entries.length - 2; i >= 0; i -= 2) {
    const key = entries[i];
    if (typeof key !== 'string') break;
    if (key === actionKey) return entries[i + 1] as IndexEntry;
  }
  return undefined;
}

function* indexEntries(entries: PolicyEntries): Iterable<[string, IndexEntry]> {
  if (entries[entries.length - 1] instanceof Map) {
    yield* (entries[entries.length - 2] as ReadonlyMap<string, IndexEntry>).entries();
    yield* (entries[entries.length - 1] as ReadonlyMap<string, IndexEntry>).entries();
    return;
  }
  let first = entries.length;
  while (first >= 2 && typeof entries[first - 2] === 'string') first -= 2;
  for (let i = first; i < entries.length; i += 2) yield [entries[i] as string, entries[i + 1] as IndexEntry];
}

function getOrAdd<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
