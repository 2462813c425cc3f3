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
  indexLength,
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
    const count = this.shape >>> COUNT_SHIFT;
    const from = indexLength(this.shape);
    return count === 0 ? NOTHING : (this.entries.slice(from, from + count) as CompiledStatement[]);
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

/** A statement as compileStatement makes it, before its policy's list is laid out. */
interface StatementDraft {
  /** Its effect, Action and Resource kinds, number of exact ARNs and index (see `flags`). */
  readonly flags: number;
  readonly extra: Extra;
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
    drafts.push(yield* compileStatement(documents[index]!, index, variables, policyText, meter));
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

  const mapped = byKey.size > LISTED_KEYS;
  const first = mapped ? 2 : byKey.size * 2;
  let length = first + drafts.length;
  drafts.forEach((d, i) => (length += (indexed[i] ? 0 : d.actions.length) + d.resources.length));
  // Made at its exact length (a list grown by push keeps room for more).
  const entries = new Array<PolicyEntries[number]>(length);
  let at = first + drafts.length;
  const statements = drafts.map((draft, i) => {
    const actions = indexed[i] ? NOTHING : draft.actions;
    const statement = new Statement(
      draft.flags | (indexed[i] ? INDEXED : 0),
      at,
      actions.length | (draft.resources.length << RESOURCES_SHIFT),
      entries,
      draft.extra,
    );
    entries[first + i] = statement;
    for (const datum of actions) entries[at++] = datum;
    for (const datum of draft.resources) entries[at++] = datum;
    return statement;
  });
  writeIndex(entries, byKey, statements, mapped);
  return Object.freeze(
    new Policy(
      options.id ?? document.Id ?? 'policy',
      text,
      KINDS.indexOf(options.kind) |
        (VERSIONS.indexOf(document.Version) << VERSION_SHIFT) |
        (mapped ? MAPPED : byKey.size << KEYS_SHIFT) |
        (statements.length << COUNT_SHIFT),
      entries,
      anyService.length === 0
        ? null
        : anyService.length === 1
          ? statements[anyService[0]!]!
          : anyService.map((i) => statements[i]!),
    ),
  );
}

function* compileStatement(
  s: StatementDocument,
  index: number,
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
      (resources.exact << EXACT_ARNS_SHIFT) |
      (index << INDEX_SHIFT),
    extra: extraOf(sid, principal, conditions),
    actions: actions.data,
    resources: resources.data,
  };
}

// A statement's effect, Action kind, Resource kind, INDEXED, number of exact ARNs and index, in one
// number (`flags`); its numbers of Action and of Resource values held in its policy's list in
// another (`counts`). A document holds at most 131,072 characters (validate.ts): fewer than 2^17
// statements, fewer than 2^15 ARNs (each with five colons) and 2^16 Action values (each with a
// colon) in a statement.
const DENY = 1;
const ACTION_KIND = 0b110;
const RESOURCE_KIND = 0b111000;
/** The statement's actions are those the policy's index lists it under. */
const INDEXED = 0b1000000;
/** Exact ARNs: at most EXACT_LISTED strings, or one Set. */
const EXACT_ARNS_SHIFT = 7;
const EXACT_ARNS_MASK = 0b1111;
const INDEX_SHIFT = 11;
const ACTIONS_MASK = 0xffff;
const RESOURCES_SHIFT = 16;
/** The most exact actions or ARNs of a statement searched in a list; more are in a Set. */
const EXACT_LISTED = 8;

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
 * An Action value as held: an exact action ("s3:getobject", with a colon), a service named with
 * `service:*` ("s3", without one), a Set of exact actions (a statement listing many), or a glob.
 */
type ActionDatum = string | ReadonlySet<string> | Glob;

/**
 * A Resource value as held: first the exact ARNs (strings, or one Set of many), then ARNs whose only
 * wildcard is a closing `*` (strings, the `*` left off), then the other patterns: compiled, or, with
 * variables, the function that compiles one per resolved value (null when a variable cannot be
 * resolved).
 */
type ResourceDatum = string | ReadonlySet<string> | ResourceEntry;

/**
 * A resource pattern as compiled, or, with variables, the function that compiles it per resolved
 * value (null when a variable cannot be resolved).
 */
type ResourceEntry = ArnPattern | Resolved<ArnPattern>;

/**
 * A statement's Sid, Principal and Condition elements in one field, as most statements have at most
 * one of them: none (null), the Sid alone (a string), the conditions alone (their list), else all
 * three in an object of their own.
 */
type Extra = null | string | readonly CompiledCondition[] | StatementExtras;

class StatementExtras {
  constructor(
    readonly sid: string | undefined,
    readonly principal: PrincipalMatcher | null,
    readonly conditions: readonly CompiledCondition[],
  ) {}
}

function extraOf(
  sid: string | undefined,
  principal: PrincipalMatcher | null,
  conditions: readonly CompiledCondition[],
): Extra {
  if (principal === null && conditions.length === 0) return sid ?? null;
  if (principal === null && sid === undefined) return conditions;
  return new StatementExtras(sid, principal, conditions);
}

/**
 * One class for every statement, so that evaluation's call sites see one shape. Its Action and
 * Resource values are not lists of its own but a run of its policy's list (`entries`, from `at`):
 * one array per policy rather than up to three per statement.
 */
class Statement implements CompiledStatement {
  described: MatchedStatement[] | null = null;

  constructor(
    private readonly flags: number,
    private readonly at: number,
    private readonly counts: number,
    /**
     * The policy's list: its index (through which an INDEXED statement's actions are known) and,
     * from `at`, the statement's Action values (ActionDatum), as many as `counts` says, then its
     * Resource values (ResourceDatum), the first of them its exact ARNs, as many as `flags` says.
     */
    private readonly entries: PolicyEntries,
    private readonly extra: Extra,
  ) {}

  get index(): number {
    return this.flags >>> INDEX_SHIFT;
  }

  get effect(): 'Allow' | 'Deny' {
    return (this.flags & DENY) !== 0 ? 'Deny' : 'Allow';
  }

  get sid(): string | undefined {
    const { extra } = this;
    if (typeof extra === 'string') return extra;
    return extra instanceof StatementExtras ? extra.sid : undefined;
  }

  get principal(): PrincipalMatcher | null {
    const { extra } = this;
    return extra instanceof StatementExtras ? extra.principal : null;
  }

  get conditions(): readonly CompiledCondition[] {
    const { extra } = this;
    if (extra === null || typeof extra === 'string') return NOTHING;
    return extra instanceof StatementExtras ? extra.conditions : (extra as readonly CompiledCondition[]);
  }

  matchesAction(actionKey: string, service: string): boolean {
    const kind = this.flags & ACTION_KIND;
    if (kind === ActionKind.Any) return true;
    if (kind === ActionKind.None) return false;
    return this.actionListed(actionKey, service) !== (kind === ActionKind.NotListed);
  }

  private actionListed(actionKey: string, service: string): boolean {
    const { entries, at } = this;
    if ((this.flags & INDEXED) !== 0) {
      const entry = entryUnder(entries, actionKey);
      return entry === this || (Array.isArray(entry) && entry.includes(this));
    }
    const end = at + (this.counts & ACTIONS_MASK);
    for (let i = at; i < end; i++) {
      const datum = entries[i] as ActionDatum;
      if (typeof datum === 'string') {
        // A service ("s3", from "s3:*") needs the colon: an action written without one ("s3") is
        // not in the service. An exact action has a colon: it is never a service.
        if (datum === service ? actionKey.length > service.length : datum === actionKey) return true;
      } else if (datum instanceof Set) {
        if (datum.has(actionKey)) return true;
      } else if ((datum as Glob).matches(actionKey)) return true;
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
    const { entries, counts } = this;
    const { resource } = request;
    let i = this.at + (counts & ACTIONS_MASK);
    const exactEnd = i + ((this.flags >>> EXACT_ARNS_SHIFT) & EXACT_ARNS_MASK);
    const end = i + (counts >>> RESOURCES_SHIFT);
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
}

// ---- actions: lower case; exact names in a list (a Set when many), wildcards as globs

interface ActionSet {
  readonly kind: ActionKind;
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
    return { kind: negated ? ActionKind.None : ActionKind.Any, data: NOTHING };
  // A few names are searched in a list, which takes less heap than a Set; many in a Set.
  const names: readonly ActionDatum[] = exact.length > EXACT_LISTED ? [new Set(exact)] : exact;
  return {
    kind: negated ? ActionKind.NotListed : ActionKind.Listed,
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
  readonly kind: ResourceKind;
  /** Exact ARNs (a Set when many), then prefixes (their closing `*` left off), then patterns. */
  readonly data: readonly ResourceDatum[];
  /** How many of `data` are exact ARNs: at most EXACT_LISTED, or one Set. */
  readonly exact: number;
}

const NO_RESOURCE: ResourceSet = { kind: ResourceKind.Absent, data: NOTHING, exact: 0 };

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
  if (any) return { kind: negated ? ResourceKind.None : ResourceKind.Any, data: NOTHING, exact: 0 };
  const arns: readonly ResourceDatum[] = exact.length > EXACT_LISTED ? [new Set(exact)] : exact;
  return {
    kind: negated ? ResourceKind.NotListed : ResourceKind.Listed,
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
 * Writes the policy's index at the start of its list: a key naming one statement holds it, others
 * a list at its exact length, one list shared by every key that holds the same statements (a
 * statement listing three actions is three keys, most often of one same list). Few keys are keys
 * and entries, alternating; more, two Maps.
 */
function writeIndex(
  entries: PolicyEntries[number][],
  byKey: ReadonlyMap<string, readonly number[]>,
  statements: readonly CompiledStatement[],
  mapped: boolean,
): void {
  const shared = new Map<string, readonly CompiledStatement[]>();
  const entryOf = (list: readonly number[]): IndexEntry => {
    if (list.length === 1) return statements[list[0]!]!;
    const key = list.join(',');
    let one = shared.get(key);
    if (one === undefined) shared.set(key, (one = list.map((i) => statements[i]!)));
    return one;
  };
  if (!mapped) {
    let i = 0;
    for (const [key, list] of byKey) {
      entries[i++] = key;
      entries[i++] = entryOf(list);
    }
    return;
  }
  // Two maps, actions' and services' (most often none, one empty map for all): a lookup in a map
  // of hundreds of actions costs more than one in a map of a few services.
  const actions = new Map<string, IndexEntry>();
  const services = new Map<string, IndexEntry>();
  for (const [key, list] of byKey) (key.includes(':') ? actions : services).set(key, entryOf(list));
  entries[0] = actions;
  entries[1] = services.size === 0 ? NO_SERVICES : services;
}

/** The index's entry under an action ("s3:getobject"). */
function entryUnder(entries: PolicyEntries, actionKey: string): IndexEntry | undefined {
  const first = entries[0];
  if (first instanceof Map) return (first as ReadonlyMap<string, IndexEntry>).get(actionKey);
  for (let i = 0; typeof entries[i] === 'string'; i += 2)
    if (entries[i] === actionKey) return entries[i + 1] as IndexEntry;
  return undefined;
}

function* indexEntries(entries: PolicyEntries): Iterable<[string, IndexEntry]> {
  const first = entries[0];
  if (first instanceof Map) {
    yield* (first as ReadonlyMap<string, IndexEntry>).entries();
    yield* (entries[1] as ReadonlyMap<string, IndexEntry>).entries();
    return;
  }
  for (let i = 0; typeof entries[i] === 'string'; i += 2)
    yield [entries[i] as string, entries[i + 1] as IndexEntry];
}

function getOrAdd<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
