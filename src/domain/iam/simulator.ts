// The policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy,
// GetContextKeysForPrincipalPolicy and GetContextKeysForCustomPolicy.
//
// A simulation asks the engine the same question enforcement asks (policy.evaluate with the
// principal's identity policies, its permissions boundary and the resource policy), once per
// action and resource, and reports the answer in AWS's words:
// - one EvaluationResult per action (paged with Marker/MaxItems). Without ResourceArns it is about
//   "*"; with ResourceArns, each resource has its ResourceSpecificResult and the action's decision is
//   the most restrictive of them (one resource: the result is named after it and repeats its
//   statements, as AWS answers; several: it is named "*");
// - MatchedStatements: for an explicit deny the denying statements, for an allow the allowing
//   ones, each with its policy's SourcePolicyId/Type and the statement's position in the text;
// - MissingContextValues: the context keys the simulated policies use (conditions and policy
//   variables) that the request does not supply, whichever action they concern, as AWS lists them;
// - PermissionsBoundaryDecisionDetail when a permissions boundary takes part, EvalDecisionDetails
//   (each policy type's own decision) when a resource policy does.
//
// A simulation is bounded by what the API model lets a request carry (1,000 ActionNames — a list
// the model leaves open gets the codec's limit —, ResourceArns of up to 2,048 characters, policies
// of up to 131,072), and it does not hold the event loop: input policies are parsed one per turn,
// and the evaluations run after the read transaction has ended, resource by resource (so a long
// ARN's wildcard searches are answered once for all the actions), yielding to other requests every
// few milliseconds.
//
// SimulatePrincipalPolicy knows who the principal is, so the principal's own keys (aws:username,
// aws:userid, aws:PrincipalArn, aws:PrincipalTag/..., as authorization supplies them) are part of
// its request; ContextEntries override them. SimulateCustomPolicy knows nothing but its inputs.
// For an account in an organization, SimulatePrincipalPolicy also applies the service control
// policies of its path and reports what they decide (OrganizationsDecisionDetail).
import {
  createRequest,
  evaluate,
  parsePolicy,
  type CompiledPolicy,
  type ContextValue,
  type Decision,
  type EvaluationResult,
  type MatchedStatement,
  type Principal,
} from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  pageOf,
  requiredStr,
  resourceTagContext,
  str,
} from '../operation.ts';
import type { StoreTx } from '../store.ts';
import type { UserRecord } from '../records.ts';
import type { Iam } from '../iam.ts';
import { organizationAccounts } from '../tables.ts';
import { orgPathOf } from '../organizations/org-paths.ts';
import { scpLevelsOf } from '../organizations/scp-attachments.ts';
import { governedByRcps, resourceControlPoliciesFor } from '../organizations/rcp-scope.ts';
import {
  type Entity,
  type PolicySet,
  type SimulatedPolicy,
  IAM_POLICY,
  RESOURCE_POLICY,
  entityArn,
  entityPolicies,
  entityTags,
  findEntity,
  inputPoliciesInTurns,
  noSuchEntity,
  parseEntityArn,
  positionsOf,
  referencedContextKeys,
  resourcePolicy,
  rolePrincipalContext,
  userPrincipalContext,
  yieldToOtherRequests,
} from './simulator-policies.ts';

const INVALID_CALLER = 'Invalid caller - Caller must be an IAM user in this context.';

// ---- the operations

async function simulatePrincipalPolicy(
  ctx: OperationContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const sourceArn = requiredStr(input, 'PolicySourceArn');
  const plan = await ctx.iam.store.read(async (tx): Promise<SimulationPlan> => {
    const entity = await authorizedSource(ctx, tx, 'iam:SimulatePrincipalPolicy', sourceArn);
    const policies = await entityPolicies(ctx.iam, tx, entity);
    policies.identity.push(
      ...(await inputPoliciesInTurns(input.PolicyInputList, 'identity', 'PolicyInputList')),
    );
    const boundaryInputs = await boundaryInputPolicies(input);
    // A boundary passed in replaces the entity's own (an entity has one boundary at a time).
    if (boundaryInputs) policies.boundary = boundaryInputs;

    const callerArn = str(input, 'CallerArn');
    const resourceText = str(input, 'ResourcePolicy');
    let caller: CallerSpec | undefined;
    if (callerArn !== undefined) caller = await callerFromArn(tx, ctx.caller.account, callerArn);
    else if (entity.type === 'user') caller = userCaller(entityArn(entity), entity.record);
    if (resourceText !== undefined && caller === undefined)
      throw new IamError('InvalidInput', INVALID_CALLER);

    let principalContext: Record<string, ContextValue> = {};
    if (caller) principalContext = caller.context;
    else if (entity.type === 'role')
      principalContext = rolePrincipalContext(entity.record, entityArn(entity));
    const organizations = await organizationLevels(ctx.iam, tx, ctx.caller.account);
    const resourceControl = await resourceControlLevels(ctx.iam, tx, input.ResourceArns);
    return { policies, resourceText, caller, principalContext, organizations, resourceControl };
  });
  // What the simulation needs is read: its work does not keep the read transaction open.
  return simulate(input, plan);
}

async function simulateCustomPolicy(ctx: OperationContext, input: Input): Promise<Record<string, unknown>> {
  const plan = await ctx.iam.store.read(async (tx): Promise<SimulationPlan> => {
    await check(ctx, tx, 'iam:SimulateCustomPolicy', '*');
    const policies: PolicySet = {
      identity: await inputPoliciesInTurns(input.PolicyInputList, 'identity', 'PolicyInputList'),
      boundary: await boundaryInputPolicies(input),
    };
    const callerArn = str(input, 'CallerArn');
    const resourceText = str(input, 'ResourcePolicy');
    const caller = callerArn === undefined ? undefined : callerFromArnOnly(callerArn);
    if (resourceText !== undefined && caller === undefined)
      throw new IamError('InvalidInput', INVALID_CALLER);
    return { policies, resourceText, caller, principalContext: {} };
  });
  return simulate(input, plan);
}

async function getContextKeysForPrincipalPolicy(
  ctx: OperationContext,
  input: Input,
): Promise<Record<string, unknown>> {
  const sourceArn = requiredStr(input, 'PolicySourceArn');
  return ctx.iam.store.read(async (tx) => {
    const entity = await authorizedSource(ctx, tx, 'iam:GetContextKeysForPrincipalPolicy', sourceArn);
    const policies = await entityPolicies(ctx.iam, tx, entity);
    const all = [
      ...policies.identity,
      ...(policies.boundary ?? []),
      ...(await inputPoliciesInTurns(input.PolicyInputList, 'identity', 'PolicyInputList')),
    ];
    return { ContextKeyNames: referencedContextKeys(all) };
  });
}

async function getContextKeysForCustomPolicy(
  ctx: OperationContext,
  input: Input,
): Promise<Record<string, unknown>> {
  return ctx.iam.store.read(async (tx) => {
    await check(ctx, tx, 'iam:GetContextKeysForCustomPolicy', '*');
    const policies = await inputPoliciesInTurns(input.PolicyInputList, 'identity', 'PolicyInputList');
    return { ContextKeyNames: referencedContextKeys(policies) };
  });
}

export const simulatorOperations: Record<string, Operation> = {
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
  SimulateCustomPolicy: simulateCustomPolicy,
  GetContextKeysForPrincipalPolicy: getContextKeysForPrincipalPolicy,
  GetContextKeysForCustomPolicy: getContextKeysForCustomPolicy,
};

// ---- the source entity and the simulated caller

/**
 * Authorizes `action` on the entity the ARN names (with its tags as aws:ResourceTag), then fails
 * with InvalidInput for an ARN that names no user, group or role, or NoSuchEntity for a missing one.
 */
async function authorizedSource(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  arn: string,
): Promise<Entity> {
  const ref = parseEntityArn(arn);
  const entity = ref ? await findEntity(tx, ctx.caller.account, ref) : undefined;
  await check(ctx, tx, action, arn, resourceTagContext(entityTags(entity)));
  if (!ref) throw new IamError('InvalidInput', `ARN ${arn} is not valid.`);
  if (!entity) throw noSuchEntity(ref);
  return entity;
}

interface CallerSpec {
  readonly principal: Principal;
  /** The caller's own context keys (SimulatePrincipalPolicy only). */
  readonly context: Record<string, ContextValue>;
}

function userCaller(arn: string, user: UserRecord | undefined, name = user?.name ?? ''): CallerSpec {
  const account = arn.split(':')[4] ?? '';
  return {
    principal: { arn, account, type: 'user' },
    context: userPrincipalContext(arn, account, user, name),
  };
}

/** CallerArn must name an IAM user (it need not exist); an existing one brings its own keys. */
async function callerFromArn(tx: StoreTx, account: string, arn: string): Promise<CallerSpec> {
  const ref = parseEntityArn(arn);
  if (!ref || ref.type !== 'user') throw new IamError('InvalidInput', INVALID_CALLER);
  const found = await findEntity(tx, account, ref);
  return userCaller(arn, found?.type === 'user' ? found.record : undefined, ref.name);
}

function callerFromArnOnly(arn: string): CallerSpec {
  const ref = parseEntityArn(arn);
  if (!ref || ref.type !== 'user') throw new IamError('InvalidInput', INVALID_CALLER);
  return { principal: { arn, account: ref.account, type: 'user' }, context: {} };
}

async function boundaryInputPolicies(input: Input): Promise<SimulatedPolicy[] | undefined> {
  const list = Array.isArray(input.PermissionsBoundaryPolicyInputList)
    ? (input.PermissionsBoundaryPolicyInputList as unknown[])
    : [];
  if (list.length === 0) return undefined;
  if (list.length > 1)
    throw new IamError('InvalidInput', 'The list of Permissions Boundary policies cannot exceed 1 items.');
  return inputPoliciesInTurns(list, 'boundary', 'PermissionsBoundaryPolicyInputList');
}

/** "arn:aws:iam::<account>:root", as AWS documents ResourceOwner; anything else is refused. */
function resourceOwnerAccount(owner: string): string {
  const parts = owner.split(':');
  if (
    parts.length === 6 &&
    parts[0] === 'arn' &&
    parts[1]!.startsWith('aws') &&
    parts[2] === 'iam' &&
    parts[3] === '' &&
    /^\d{12}$/.test(parts[4]!) &&
    parts[5] === 'root'
  )
    return parts[4]!;
  throw new IamError('InvalidInput', `'${owner}' is not a valid as a Resource Owner.`);
}

// ---- the context entries

interface ContextEntryInput {
  readonly ContextKeyName?: string;
  readonly ContextKeyValues?: readonly string[];
  readonly ContextKeyType?: string;
}

/** ContextEntries as engine context: list types (and several values) become multi-valued keys. */
export function contextFromEntries(entries: unknown): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  if (!Array.isArray(entries)) return context;
  for (const entry of entries as ContextEntryInput[]) {
    const name = entry.ContextKeyName;
    const values = entry.ContextKeyValues ?? [];
    if (!name || values.length === 0) continue;
    const list = (entry.ContextKeyType ?? 'string').endsWith('List') || values.length > 1;
    context[name] = list ? [...values] : values[0]!;
  }
  return context;
}

// ---- simulating

interface Simulation {
  readonly policies: PolicySet;
  readonly resource: SimulatedPolicy | undefined;
  readonly byId: ReadonlyMap<string, SimulatedPolicy>;
  readonly caller: CallerSpec | undefined;
  readonly resourceAccount: string | undefined;
  readonly context: Readonly<Record<string, ContextValue>>;
  readonly missing: readonly string[];
  readonly organizations: Organizations | undefined;
  readonly resourceControl: ResourceControl | undefined;
}

/** What a simulation starts from, read from the store (and the input policies parsed). */
interface SimulationPlan {
  readonly policies: PolicySet;
  readonly resourceText: string | undefined;
  readonly caller: CallerSpec | undefined;
  readonly principalContext: Record<string, ContextValue>;
  /** The SCP levels of the simulated account's path, when it is in an organization. */
  readonly organizations?: Organizations;
  /** The RCP levels of each resource asked about that RCPs govern (a member account's role). */
  readonly resourceControl?: ResourceControl;
}

type ResourceControl = ReadonlyMap<string, readonly (readonly CompiledPolicy[])[]>;

/**
 * The RCPs of each role among the resources, by ARN: those its account's path has, when it is a
 * member account's (rcp-scope.ts). Which actions they govern is decided per action (answerFor).
 */
async function resourceControlLevels(iam: Iam, tx: StoreTx, arns: unknown): Promise<ResourceControl> {
  const levels = new Map<string, CompiledPolicy[][]>();
  if (!Array.isArray(arns)) return levels;
  for (const arn of new Set(arns as string[])) {
    const found = await resourceControlPoliciesFor(iam, tx, 'sts:AssumeRole', arn);
    if (found) levels.set(arn, found);
  }
  return levels;
}

interface Organizations {
  readonly levels: readonly (readonly CompiledPolicy[])[];
}

/** Allows everything: evaluated with SCPs and RCPs alone, it says what the organization's policies decide. */
const ORGANIZATIONS_ALLOW_ALL: CompiledPolicy = (() => {
  const parsed = parsePolicy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    { kind: 'identity', id: 'organizations' },
  );
  if (!parsed.ok) throw new Error('the allow-all policy is valid');
  return parsed.policy;
})();

/** The account's SCP levels (none when they do not limit it, as for the management account). */
async function organizationLevels(
  iam: Iam,
  tx: StoreTx,
  account: string,
): Promise<Organizations | undefined> {
  const membership = await tx.get(organizationAccounts, account);
  if (!membership) return undefined;
  const levels = (await scpLevelsOf(tx, membership, await orgPathOf(tx, membership))) ?? [];
  return {
    levels: levels.map((level) => level.map(({ id, content }) => iam.compile(content, 'scp', id))),
  };
}

async function simulate(input: Input, plan: SimulationPlan): Promise<Record<string, unknown>> {
  const { policies, resourceText, caller, principalContext, organizations, resourceControl } = plan;
  const resource = resourceText === undefined ? undefined : await resourcePolicy(resourceText);
  const owner = str(input, 'ResourceOwner');
  const ownerAccount = owner === undefined ? undefined : resourceOwnerAccount(owner);
  const context = { ...principalContext, ...contextFromEntries(input.ContextEntries) };

  const all = [...policies.identity, ...(policies.boundary ?? []), ...(resource ? [resource] : [])];
  const byId = new Map<string, SimulatedPolicy>();
  for (const policy of all) byId.set(policy.compiled.id, policy);
  const supplied = new Set(Object.keys(context).map((k) => k.toLowerCase()));
  const missing = referencedContextKeys(all).filter((k) => !supplied.has(k.toLowerCase()));

  const simulation: Simulation = {
    policies,
    resource,
    byId,
    caller,
    // A resource policy belongs to ResourceOwner's account, by default to the caller's.
    resourceAccount: resource ? (ownerAccount ?? caller?.principal.account) : undefined,
    context,
    missing,
    organizations,
    resourceControl,
  };

  const actions = Array.isArray(input.ActionNames) ? (input.ActionNames as string[]) : [];
  const resources = Array.isArray(input.ResourceArns) ? (input.ResourceArns as string[]) : [];
  const indexed = actions.map((action, index) => ({ action, key: String(index).padStart(10, '0') }));
  const page = pageOf(indexed, (item) => item.key, input);
  const pageActions = page.items.map((item) => item.action);
  const answers = await answerAll(simulation, pageActions, resources);
  const results: Record<string, unknown>[] = [];
  const turns = new Turns();
  for (let i = 0; i < pageActions.length; i++) {
    results.push(actionResult(simulation, pageActions[i]!, resources, answers[i]!));
    if (turns.due()) await turns.next();
  }
  return {
    EvaluationResults: results,
    IsTruncated: page.isTruncated,
    ...(page.marker ? { Marker: page.marker } : {}),
  };
}

/** How long a simulation works before other requests get a turn. */
const TURN_MS = 8;

class Turns {
  private since = performance.now();

  /** True when this turn has lasted TURN_MS: then `next()` waits for the next one. */
  due(): boolean {
    return performance.now() - this.since >= TURN_MS;
  }

  async next(): Promise<void> {
    await yieldToOtherRequests();
    this.since = performance.now();
  }
}

/**
 * Every action's answer for every resource ("*" without ResourceArns), as answers[action][resource],
 * computed resource by resource so that the same ARN meets the policies' patterns in a row.
 */
async function answerAll(
  sim: Simulation,
  actions: readonly string[],
  resources: readonly string[],
): Promise<ResourceAnswer[][]> {
  const asked = resources.length === 0 ? ['*'] : resources;
  const answers = actions.map(() => new Array<ResourceAnswer>(asked.length));
  const turns = new Turns();
  for (let r = 0; r < asked.length; r++) {
    for (let a = 0; a < actions.length; a++) {
      answers[a]![r] = answerFor(sim, actions[a]!, asked[r]!);
      if (turns.due()) await turns.next();
    }
  }
  return answers;
}

/** One resource's answer, with what the output needs from it. */
interface ResourceAnswer {
  readonly resource: string;
  readonly result: EvaluationResult;
  readonly statements: Record<string, unknown>[];
  readonly boundaryAllows: boolean | undefined;
  readonly details: Record<string, Decision> | undefined;
  /** What the SCPs alone decide: undefined outside an organization. */
  readonly organizationsAllow: boolean | undefined;
}

function actionResult(
  sim: Simulation,
  action: string,
  resources: readonly string[],
  answers: readonly ResourceAnswer[],
): Record<string, unknown> {
  if (resources.length === 0) {
    const answer = answers[0]!;
    return {
      EvalActionName: action,
      EvalResourceName: '*',
      EvalDecision: answer.result.decision,
      MatchedStatements: answer.statements,
      MissingContextValues: sim.missing,
      ...(answer.details ? { EvalDecisionDetails: answer.details } : {}),
      ...boundaryDetail(answer.boundaryAllows),
      ...organizationsDetail(answer.organizationsAllow),
    };
  }
  const single = answers.length === 1 ? answers[0]! : undefined;
  const boundaryAllows = answers.every((a) => a.boundaryAllows === undefined)
    ? undefined
    : answers.every((a) => a.boundaryAllows === true);
  return {
    EvalActionName: action,
    EvalResourceName: single ? single.resource : '*',
    EvalDecision: mostRestrictive(answers.map((a) => a.result.decision)),
    MatchedStatements: single ? single.statements : [],
    MissingContextValues: single ? sim.missing : [],
    EvalDecisionDetails: single?.details ?? {},
    ...boundaryDetail(boundaryAllows),
    ...organizationsDetail(
      answers.every((a) => a.organizationsAllow === undefined)
        ? undefined
        : answers.every((a) => a.organizationsAllow !== false),
    ),
    ResourceSpecificResults: answers.map((a) => ({
      EvalResourceName: a.resource,
      EvalResourceDecision: a.result.decision,
      MatchedStatements: a.statements,
      MissingContextValues: sim.missing,
      // Per resource, AWS details each policy type's decision only for cross-account simulations.
      ...(a.details && isCrossAccount(sim) ? { EvalDecisionDetails: a.details } : {}),
      ...boundaryDetail(a.boundaryAllows),
    })),
  };
}

function answerFor(sim: Simulation, action: string, resource: string): ResourceAnswer {
  const rcps = governedByRcps(action, resource) ? sim.resourceControl?.get(resource) : undefined;
  const request = createRequest({
    action,
    resource,
    principal: sim.caller?.principal,
    context: sim.context,
  });
  const result = evaluate({
    request,
    identityPolicies: sim.policies.identity.map((p) => p.compiled),
    resourcePolicies: sim.resource ? [sim.resource.compiled] : undefined,
    resourceAccount: sim.resourceAccount,
    permissionsBoundaries: sim.policies.boundary?.map((p) => p.compiled),
    serviceControlPolicies: sim.organizations?.levels,
    resourceControlPolicies: rcps,
  });
  return {
    resource,
    result,
    statements: reportedStatements(sim, result),
    boundaryAllows: sim.policies.boundary
      ? setDecision(result, 'permissions boundary') === 'allowed'
      : undefined,
    details: sim.resource
      ? {
          [IAM_POLICY]: setDecision(result, 'identity-based'),
          [RESOURCE_POLICY]: setDecision(
            result,
            sim.resource.compiled.kind === 'trust' ? 'role trust' : 'resource-based',
          ),
        }
      : undefined,
    // What the organization's policies alone decide: the caller's SCPs and the resource's RCPs.
    organizationsAllow:
      sim.organizations || rcps
        ? evaluate({
            request,
            identityPolicies: [ORGANIZATIONS_ALLOW_ALL],
            serviceControlPolicies: sim.organizations?.levels,
            resourceControlPolicies: rcps,
          }).decision === 'allowed'
        : undefined,
  };
}

/** What one policy type said on its own: a matching deny, else a matching allow, else nothing. */
function setDecision(result: EvaluationResult, type: MatchedStatement['policyType']): Decision {
  let allowed = false;
  for (const s of result.matchedStatements) {
    if (s.policyType !== type) continue;
    if (s.effect === 'Deny') return 'explicitDeny';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicitDeny';
}

/** The statements that decided: every matching deny for an explicit deny, the allowing ones for an allow. */
function reportedStatements(sim: Simulation, result: EvaluationResult): Record<string, unknown>[] {
  let statements: readonly MatchedStatement[];
  if (result.decision === 'explicitDeny')
    statements = result.matchedStatements.filter((s) => s.effect === 'Deny');
  else if (result.decision === 'allowed') statements = result.decidingStatements;
  else statements = [];
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const statement of statements) {
    const policy = sim.byId.get(statement.policyId);
    if (!policy) continue;
    const id = `${policy.sourceId}\u0000${statement.index}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const position = positionsOf(policy)[statement.index];
    out.push({
      SourcePolicyId: policy.sourceId,
      SourcePolicyType: policy.sourceType,
      ...(position
        ? {
            StartPosition: { Line: position.start.line, Column: position.start.column },
            EndPosition: { Line: position.end.line, Column: position.end.column },
          }
        : {}),
    });
  }
  return out;
}

function boundaryDetail(allowed: boolean | undefined): Record<string, unknown> {
  return allowed === undefined
    ? {}
    : { PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: allowed } };
}

function organizationsDetail(allowed: boolean | undefined): Record<string, unknown> {
  return allowed === undefined ? {} : { OrganizationsDecisionDetail: { AllowedByOrganizations: allowed } };
}

function mostRestrictive(decisions: readonly Decision[]): Decision {
  if (decisions.includes('explicitDeny')) return 'explicitDeny';
  if (decisions.includes('implicitDeny')) return 'implicitDeny';
  return 'allowed';
}

function isCrossAccount(sim: Simulation): boolean {
  return (
    sim.resourceAccount !== undefined &&
    sim.caller !== undefined &&
    sim.resourceAccount !== sim.caller.principal.account
  );
}
