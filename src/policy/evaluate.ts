// AWS's policy evaluation logic: each policy set is scanned for matching statements, then one
// table (decide) turns what the sets said into the decision and the reason AWS would give.
import { type CompiledPolicy, type Grant, type IndexEntry, POLICY_SHAPE } from './ast.ts';
import {
  actionMatches,
  conditionsOf,
  describedOf,
  flagsOf,
  isDeny,
  principalOf,
  resourceMatches,
  setDescribed,
  sidOf,
  statementIndex,
} from './statement.ts';
import type { PreparedRequest } from './request.ts';
import type { MissingKeySink } from './conditions/condition.ts';
import type { EvaluationResult, MatchedStatement, PolicyType, Principal } from './types.ts';

export interface EvaluationInput {
  readonly request: PreparedRequest;
  /** The principal's identity-based policies (its own, its groups', a role's). */
  readonly identityPolicies?: readonly CompiledPolicy[];
  /** The resource-based policy of the target; for sts:AssumeRole, the role's trust policy. */
  readonly resourcePolicies?: readonly CompiledPolicy[];
  /** The account owning the resource; differing from the principal's account makes the request cross-account. */
  readonly resourceAccount?: string;
  /** Omitted: the principal has no permissions boundary. */
  readonly permissionsBoundaries?: readonly CompiledPolicy[];
  /** Omitted: the session has no session policy. */
  readonly sessionPolicies?: readonly CompiledPolicy[];
  /** Omitted: not in an organization. Otherwise one list per level (root, OUs, account); each must allow. */
  readonly serviceControlPolicies?: readonly (readonly CompiledPolicy[])[];
  /**
   * Omitted: no resource control policy applies (the resource is not a member account's, or the
   * action's service is not one RCPs cover). Otherwise one list per level of the resource's
   * account (root, OUs, account); each must allow.
   */
  readonly resourceControlPolicies?: readonly (readonly CompiledPolicy[])[];
}

/** What one policy set said about the request. Lists are created on first use. */
interface SetOutcome {
  readonly type: PolicyType;
  allows: MatchedStatement[] | null;
  denies: MatchedStatement[] | null;
  /** The strongest grant among allowing statements of resource-based policies. */
  grant: Grant | null;
}

const NONE: readonly MatchedStatement[] = Object.freeze([]);
const NO_KEYS: readonly string[] = Object.freeze([]);
const NO_STATEMENTS: readonly number[] = Object.freeze([]);
const IGNORE_MISSING: MissingKeySink = { missing() {} };

/**
 * Scratch space of one evaluation. A decision stops at a statement's first failing condition;
 * the keys conditions find missing are collected only by a second scan, with `collecting` set,
 * when a caller reads them (`portcullis explain` does; a request's authorization never does).
 */
class Scan implements MissingKeySink {
  missingKeys: string[] | null = null;
  matched: MatchedStatement[] | null = null;
  constructor(
    readonly request: PreparedRequest,
    readonly collecting: boolean,
  ) {}
  missing(key: string): void {
    (this.missingKeys ??= []).push(key);
  }
}

export function evaluate(input: EvaluationInput): EvaluationResult {
  const scan = new Scan(input.request, false);
  return new Result(input, decide(scanAll(input, scan)), scan.matched ?? NONE);
}

/** evaluate()'s answer; the missing keys are found when first asked for. */
class Result implements EvaluationResult {
  readonly decision: EvaluationResult['decision'];
  readonly deniedBy: PolicyType | undefined;
  readonly decidingStatements: readonly MatchedStatement[];
  private missing: readonly string[] | undefined = undefined;

  constructor(
    private readonly input: EvaluationInput,
    verdict: Verdict,
    readonly matchedStatements: readonly MatchedStatement[],
  ) {
    this.decision = verdict.decision;
    this.deniedBy = verdict.deniedBy;
    this.decidingStatements = verdict.deciding;
  }

  // The same scan again, every condition of each statement whose action, resource and principal
  // match evaluated in order: the keys, and their order, are those a scan without early exit finds.
  get missingContextKeys(): readonly string[] {
    if (this.missing === undefined) {
      const collect = new Scan(this.input.request, true);
      scanAll(this.input, collect);
      this.missing = collect.missingKeys ? Object.freeze([...new Set(collect.missingKeys)]) : NO_KEYS;
    }
    return this.missing;
  }
}

/** Every policy set scanned, in AWS's order of evaluation. */
function scanAll(input: EvaluationInput, scan: Scan): Outcomes {
  const { request } = input;
  const resourceType: PolicyType = input.resourcePolicies?.some((p) => p.kind === 'trust')
    ? 'role trust'
    : 'resource-based';
  const rcps = input.resourceControlPolicies?.map((level) => scanSet(level, 'resource control', scan));
  const scps = input.serviceControlPolicies?.map((level) => scanSet(level, 'service control', scan));
  return {
    rcps,
    scps,
    resource: scanSet(input.resourcePolicies, resourceType, scan),
    identity: scanSet(input.identityPolicies, 'identity-based', scan),
    boundary:
      input.permissionsBoundaries && scanSet(input.permissionsBoundaries, 'permissions boundary', scan),
    session: input.sessionPolicies && scanSet(input.sessionPolicies, 'session', scan),
    principalType: request.principal?.type,
    crossAccount:
      input.resourceAccount !== undefined &&
      request.principal !== undefined &&
      request.principal.account !== input.resourceAccount,
  };
}

interface Verdict {
  readonly decision: EvaluationResult['decision'];
  readonly deniedBy: PolicyType | undefined;
  readonly deciding: readonly MatchedStatement[];
}

interface Outcomes {
  readonly rcps: readonly SetOutcome[] | undefined;
  readonly scps: readonly SetOutcome[] | undefined;
  readonly resource: SetOutcome;
  readonly identity: SetOutcome;
  readonly boundary: SetOutcome | undefined;
  readonly session: SetOutcome | undefined;
  readonly principalType: Principal['type'] | undefined;
  readonly crossAccount: boolean;
}

/** The decision table, in AWS's order of evaluation. Each row returns or falls through. */
function decide(o: Outcomes): Verdict {
  const boundaryAllows = !o.boundary || o.boundary.allows !== null;
  // A federated user's session (GetFederationToken) has only what its session policy allows: none without one.
  const sessionAllows = o.session ? o.session.allows !== null : o.principalType !== 'federated-user';
  // The root user has full access in its own account; only SCPs, resource policies' denies and explicit denies limit it.
  const identityAllows = o.identity.allows !== null || o.principalType === 'root';

  // 1. An explicit deny in any policy wins; AWS names one policy type, the first it evaluates
  //    (RCPs, then SCPs, in the IAM User Guide's policy evaluation logic).
  if (o.rcps) for (const level of o.rcps) if (level.denies) return explicitDeny(level);
  if (o.scps) for (const level of o.scps) if (level.denies) return explicitDeny(level);
  if (o.resource.denies) return explicitDeny(o.resource);
  if (o.identity.denies) return explicitDeny(o.identity);
  if (o.boundary?.denies) return explicitDeny(o.boundary);
  if (o.session?.denies) return explicitDeny(o.session);

  // 2. Within an organization, every level of RCPs (of the resource's account) and of SCPs (of
  //    the principal's) must allow. RCPs never grant: an allow there only lets the request through.
  if (o.rcps?.some((level) => level.allows === null)) return implicitDeny('resource control');
  if (o.scps?.some((level) => level.allows === null)) return implicitDeny('service control');

  // 3. Cross-account: the resource's owner (its resource policy) and the principal's account must both allow.
  if (o.crossAccount) {
    if (!o.resource.grant) return implicitDeny(o.resource.type);
    if (!identityAllows) return implicitDeny('identity-based');
    if (!boundaryAllows) return implicitDeny('permissions boundary');
    if (!sessionAllows) return implicitDeny('session');
    return allowed([o.resource, o.identity]);
  }

  // 4. Same account: a resource policy naming the user or session itself allows on its own;
  //    naming the session's role is still limited by boundary and session policies;
  //    naming the account delegates to identity-based policies.
  if (o.resource.grant === 'direct') return allowed([o.resource]);
  if (o.resource.grant === 'role' && boundaryAllows && sessionAllows) return allowed([o.resource]);
  // A role can only be assumed if its trust policy allows it.
  if (o.resource.type === 'role trust' && !o.resource.grant) return implicitDeny('role trust');

  // 5. Identity-based policies, intersected with the permissions boundary and the session policy.
  if (!identityAllows) return implicitDeny('identity-based');
  if (!boundaryAllows) return implicitDeny('permissions boundary');
  if (!sessionAllows) return implicitDeny('session');
  return allowed([o.identity, o.resource.grant ? o.resource : undefined, o.boundary, o.session]);
}

function explicitDeny(set: SetOutcome): Verdict {
  return { decision: 'explicitDeny', deniedBy: set.type, deciding: set.denies ?? NONE };
}

function implicitDeny(type: PolicyType): Verdict {
  return { decision: 'implicitDeny', deniedBy: type, deciding: NONE };
}

function allowed(sets: readonly (SetOutcome | undefined)[]): Verdict {
  let deciding: MatchedStatement[] | null = null;
  let copied = false;
  for (let s = 0; s < sets.length; s++) {
    const allows = sets[s]?.allows;
    if (!allows) continue;
    if (deciding === null) {
      deciding = allows;
      continue;
    }
    // Appended in a loop rather than by concat, which leaves JavaScript for the runtime.
    if (!copied) deciding = deciding.slice();
    copied = true;
    for (let i = 0; i < allows.length; i++) deciding.push(allows[i]!);
  }
  return { decision: 'allowed', deniedBy: undefined, deciding: deciding ?? NONE };
}

const GRANT_STRENGTH: Record<Grant, number> = { account: 1, role: 2, direct: 3 };

function scanSet(policies: readonly CompiledPolicy[] | undefined, type: PolicyType, scan: Scan): SetOutcome {
  const outcome: SetOutcome = { type, allows: null, denies: null, grant: null };
  if (!policies) return outcome;
  const { service, actionKey } = scan.request;
  for (let p = 0; p < policies.length; p++) {
    const policy = policies[p]!;
    // The statements of the action's service, in document order: two sorted lists of their
    // records' positions merged. An index entry of one statement is its position itself.
    // Only actions' keys have a colon: an action written without one has no exact entry.
    // The index opens the policy's list (PolicyEntries in ast.ts).
    const { entries, shape } = policy;
    let exactEntry: IndexEntry | undefined;
    let wildcardEntry: IndexEntry | undefined;
    if ((shape & POLICY_SHAPE.mapped) !== 0) {
      exactEntry = (entries[0] as ReadonlyMap<string, IndexEntry>).get(actionKey);
      wildcardEntry = (entries[1] as ReadonlyMap<string, IndexEntry>).get(service);
    } else {
      const keys = ((shape >>> POLICY_SHAPE.keysShift) & POLICY_SHAPE.keysMask) * 2;
      for (let i = 0; i < keys; i += 2) {
        const key = entries[i];
        if (key === service) wildcardEntry = entries[i + 1] as IndexEntry;
        else if (key === actionKey) exactEntry = entries[i + 1] as IndexEntry;
      }
    }
    if (wildcardEntry === undefined && typeof exactEntry === 'number') {
      // The most common case: one statement names the action, none its service with a wildcard.
      scanStatement(policy, exactEntry, outcome, scan, true);
    } else {
      const exact = exactEntry ?? NO_STATEMENTS;
      const wildcard = wildcardEntry ?? NO_STATEMENTS;
      const exactLength = typeof exact === 'number' ? 1 : exact.length;
      const wildcardLength = typeof wildcard === 'number' ? 1 : wildcard.length;
      let e = 0;
      let w = 0;
      while (e < exactLength || w < wildcardLength) {
        const next = e < exactLength ? entryAt(exact, e) : -1;
        const other = w < wildcardLength ? entryAt(wildcard, w) : -1;
        // Records lie in document order. A statement indexed under the action lists it: its
        // Action matches without a look.
        if (other < 0 || (next >= 0 && next < other)) {
          scanStatement(policy, next, outcome, scan, true);
          e++;
        } else {
          scanStatement(policy, other, outcome, scan, false);
          w++;
        }
      }
    }
    const any = policy.anyService;
    if (any === null) continue;
    if (typeof any === 'number') scanStatement(policy, any, outcome, scan, false);
    else for (let a = 0; a < any.length; a++) scanStatement(policy, any[a]!, outcome, scan, false);
  }
  return outcome;
}

function entryAt(entry: IndexEntry, i: number): number {
  return typeof entry === 'number' ? entry : entry[i]!;
}

/** The statement whose record is at `at` of the policy's list, scanned for the request. */
function scanStatement(
  policy: CompiledPolicy,
  at: number,
  outcome: SetOutcome,
  scan: Scan,
  actionListed: boolean,
): void {
  const { request } = scan;
  const { entries } = policy;
  const flags = flagsOf(entries, at);
  if (!actionListed && !actionMatches(entries, at, flags, request.actionKey, request.service)) return;
  if (!resourceMatches(entries, at, flags, request)) return;
  let grant: Grant | null = null;
  const principal = principalOf(entries, at, flags);
  if (principal) {
    grant = principal.match(request.principal);
    if (!grant) return;
  }
  const conditions = conditionsOf(entries, at, flags);
  if (scan.collecting) {
    // Every condition, so that each missing key is reported; the decision is not made here.
    for (const condition of conditions) condition.evaluate(request.context, scan);
    return;
  }
  for (let i = 0; i < conditions.length; i++)
    if (!conditions[i]!.evaluate(request.context, IGNORE_MISSING)) return;
  const matched = matchedStatement(policy, at, flags, outcome.type);
  // A list of one made as such: a first push to [] makes room for 17.
  if (scan.matched === null) scan.matched = [matched];
  else scan.matched.push(matched);
  if (isDeny(flags)) {
    if (outcome.denies === null) outcome.denies = [matched];
    else outcome.denies.push(matched);
  } else {
    if (outcome.allows === null) outcome.allows = [matched];
    else outcome.allows.push(matched);
    if (grant && (!outcome.grant || GRANT_STRENGTH[grant] > GRANT_STRENGTH[outcome.grant]))
      outcome.grant = grant;
  }
}

/** The same statement matched in the same role is described by one shared, frozen object. */
function matchedStatement(
  policy: CompiledPolicy,
  at: number,
  flags: number,
  type: PolicyType,
): MatchedStatement {
  const { entries } = policy;
  const described = describedOf(entries, at);
  if (described !== null)
    for (let i = 0; i < described.length; i++) if (described[i]!.policyType === type) return described[i]!;
  const matched = Object.freeze({
    policyId: policy.id,
    policyType: type,
    sid: sidOf(entries, at),
    effect: isDeny(flags) ? ('Deny' as const) : ('Allow' as const),
    index: statementIndex(entries, at),
  });
  if (described === null) setDescribed(entries, at, [matched]);
  else described.push(matched);
  return matched;
}
