// The policies a simulation evaluates, each with what the simulator reports about it: the
// SourcePolicyId AWS gives it, its text (for statement positions) and its compiled form.
//
// SourcePolicyId as AWS's simulator names policies (recorded responses): a managed policy by its
// name ("AdministratorAccess"), an inline policy as "<entity type>_<entity name>_<policy name>"
// ("role_ecs-task-execution-role_secrets"), the inputs as "PolicyInputList.<n>",
// "PermissionsBoundaryPolicyInputList.1" and "ResourcePolicy". SourcePolicyType is "IAM Policy" for
// identity policies and "Resource Policy" for the resource policy, which is what AWS answers even
// though its model lists other values.
import {
  parsePolicyInSteps,
  statementPositions,
  type ParseOptions,
  type ParseResult,
  type CompiledPolicy,
  type ContextValue,
  type PolicyKind,
  type StatementPosition,
} from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import type { Iam } from '../iam.ts';
import { iamArn, parsePolicyArn } from '../names.ts';
import { loadManagedPolicyDocument } from '../policy-documents.ts';
import type { GroupRecord, RoleRecord, Tag, UserRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { HOLDER_TABLES } from './holders.ts';
import { groupsOfUser } from './groups.ts';
import { attachmentsOf } from './managed-policies-attachments.ts';

type StatementDocument = Exclude<CompiledPolicy['document']['Statement'], readonly unknown[]>;

export const IAM_POLICY = 'IAM Policy';
export const RESOURCE_POLICY = 'Resource Policy';

export interface SimulatedPolicy {
  readonly sourceId: string;
  readonly sourceType: string;
  readonly text: string;
  readonly compiled: CompiledPolicy;
  /** The document read from the text (for the context keys it names). */
  readonly document: CompiledPolicy['document'];
  /** Statement positions, computed on first use. */
  positions?: StatementPosition[];
}

/** The policies of one simulated principal, by the engine's policy sets. */
export interface PolicySet {
  readonly identity: SimulatedPolicy[];
  /** Undefined: no permissions boundary. */
  boundary: SimulatedPolicy[] | undefined;
}

// ---- the entity behind PolicySourceArn

export type EntityType = 'user' | 'group' | 'role';

export interface EntityRef {
  readonly type: EntityType;
  readonly account: string;
  readonly path: string;
  readonly name: string;
}

/** arn:aws:iam::<account>:user|group|role<path><name>, or null. */
export function parseEntityArn(arn: string): EntityRef | null {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || !parts[1]!.startsWith('aws') || parts[2] !== 'iam')
    return null;
  if (parts[3] !== '' || !/^\d{12}$/.test(parts[4]!)) return null;
  const resource = parts[5]!;
  const slash = resource.indexOf('/');
  if (slash < 0) return null;
  const type = resource.slice(0, slash);
  if (type !== 'user' && type !== 'group' && type !== 'role') return null;
  const last = resource.lastIndexOf('/');
  const name = resource.slice(last + 1);
  if (!name || !/^[\w+=,.@-]+$/.test(name)) return null;
  return { type, account: parts[4]!, path: resource.slice(slash, last + 1), name };
}

export type Entity =
  | { readonly type: 'user'; readonly record: UserRecord }
  | { readonly type: 'group'; readonly record: GroupRecord }
  | { readonly type: 'role'; readonly record: RoleRecord };

/** The entity the ARN names, if it exists in `account` with that path. */
export async function findEntity(tx: StoreTx, account: string, ref: EntityRef): Promise<Entity | undefined> {
  if (ref.account !== account) return undefined;
  const record = await tx.find(HOLDER_TABLES[ref.type], { account, name_lower: ref.name.toLowerCase() });
  if (!record || record.path !== ref.path) return undefined;
  return { type: ref.type, record } as Entity;
}

export function entityArn(entity: Entity): string {
  const r = entity.record;
  return iamArn(r.account, entity.type, r.path, r.name);
}

export function noSuchEntity(ref: EntityRef): IamError {
  return new IamError('NoSuchEntity', `The ${ref.type} with name ${ref.name} cannot be found.`);
}

/** The tags of a user or role (groups have none), as aws:ResourceTag on the simulation's authorization. */
export function entityTags(entity: Entity | undefined): readonly Tag[] | undefined {
  if (!entity || entity.type === 'group') return undefined;
  return entity.record.tags;
}

// ---- gathering an entity's policies, as authorization gathers the caller's

export async function entityPolicies(iam: Iam, tx: StoreTx, entity: Entity): Promise<PolicySet> {
  const identity: SimulatedPolicy[] = [];
  const account = entity.record.account;
  await addHolder(iam, tx, account, entity.record, entity.type, entity.record.name, identity);
  if (entity.type === 'user') {
    for (const group of await groupsOfUser(tx, entity.record)) {
      await addHolder(iam, tx, account, group, 'group', group.name, identity);
    }
  }
  let boundary: SimulatedPolicy[] | undefined;
  const boundaryArn = entity.type === 'group' ? undefined : entity.record.permissionsBoundary;
  if (boundaryArn) {
    const text = await loadManagedPolicyDocument(iam, tx, account, boundaryArn);
    // A boundary whose policy is gone allows nothing, as authorization treats it.
    boundary = text
      ? [stored(iam.compile(text, 'boundary', boundaryArn), managedName(boundaryArn), text)]
      : [];
  }
  return { identity, boundary };
}

async function addHolder(
  iam: Iam,
  tx: StoreTx,
  account: string,
  holder: UserRecord | GroupRecord | RoleRecord,
  type: EntityType,
  name: string,
  into: SimulatedPolicy[],
): Promise<void> {
  for (const { policyArn: arn } of await attachmentsOf(tx, holder.id)) {
    const text = await loadManagedPolicyDocument(iam, tx, account, arn);
    if (text) into.push(stored(iam.compile(text, 'identity', arn), managedName(arn), text));
  }
  for (const [policyName, text] of Object.entries(holder.inlinePolicies)) {
    // The same id authorization compiles it under, so both share the compiled form.
    const compiled = iam.compile(text, 'identity', `${type}/${name}/${policyName}`);
    into.push(stored(compiled, `${type}_${name}_${policyName}`, text));
  }
}

function managedName(arn: string): string {
  return parsePolicyArn(arn)?.name ?? arn;
}

function stored(compiled: CompiledPolicy, sourceId: string, text: string): SimulatedPolicy {
  // A stored policy comes compiled from the cache, which keeps no document: it is read once here.
  return { sourceId, sourceType: IAM_POLICY, text, compiled, document: compiled.document };
}

// ---- policies passed as strings

/**
 * Parses a policy given as a string, a step at a time (parsePolicyInSteps) with a turn for other
 * requests between steps: a simulator input may hold 131,072 characters, which take tens of
 * milliseconds to compile in one piece.
 */
async function parseInTurns(text: string, options: ParseOptions): Promise<ParseResult> {
  const steps = parsePolicyInSteps(text, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await yieldToOtherRequests();
  }
}

/**
 * Parses the input policies a step at a time, the next one after a turn for other requests: a
 * request may carry many. A rejected one fails the call with the engine's code and message.
 */
export async function inputPoliciesInTurns(
  input: unknown,
  kind: PolicyKind,
  name: string,
): Promise<SimulatedPolicy[]> {
  const list = Array.isArray(input) ? (input as unknown[]) : [];
  const policies: SimulatedPolicy[] = [];
  for (let i = 0; i < list.length; i++) {
    if (i > 0) await yieldToOtherRequests();
    const text = String(list[i]);
    const sourceId = `${name}.${i + 1}`;
    const parsed = await parseInTurns(text, { kind, id: sourceId });
    if (!parsed.ok) throw new IamError(parsed.error.code, parsed.error.message);
    policies.push({
      sourceId,
      sourceType: IAM_POLICY,
      text,
      compiled: parsed.policy,
      document: parsed.document,
    });
  }
  return policies;
}

export function yieldToOtherRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The ResourcePolicy: a resource-based policy, or a role trust policy (which has no Resource
 * element) for simulating sts:AssumeRole.
 */
export async function resourcePolicy(text: string): Promise<SimulatedPolicy> {
  const parsed = await parseInTurns(text, { kind: 'resource', id: 'ResourcePolicy' });
  if (parsed.ok)
    return {
      sourceId: 'ResourcePolicy',
      sourceType: RESOURCE_POLICY,
      text,
      compiled: parsed.policy,
      document: parsed.document,
    };
  if (!hasResourceElement(text)) {
    const trust = await parseInTurns(text, { kind: 'trust', id: 'ResourcePolicy' });
    if (trust.ok)
      return {
        sourceId: 'ResourcePolicy',
        sourceType: RESOURCE_POLICY,
        text,
        compiled: trust.policy,
        document: trust.document,
      };
  }
  throw new IamError(parsed.error.code, parsed.error.message);
}

function hasResourceElement(text: string): boolean {
  try {
    const document = JSON.parse(text) as { Statement?: unknown };
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    return statements.some(
      (s) => s !== null && typeof s === 'object' && ('Resource' in s || 'NotResource' in s),
    );
  } catch {
    return true;
  }
}

// ---- context keys a set of policies refers to

/**
 * The context keys the policies use, in the order they appear and spelled as first written: each
 * condition's key, and the policy variables (`${aws:username}`) in resources and condition values.
 * Keys are case-insensitive, so a key appears once.
 */
export function referencedContextKeys(policies: readonly SimulatedPolicy[]): string[] {
  const seen = new Set<string>();
  const keys: string[] = [];
  const add = (name: string) => {
    const lower = name.toLowerCase();
    if (seen.has(lower)) return;
    seen.add(lower);
    keys.push(name);
  };
  for (const policy of policies) {
    const { document } = policy;
    const variables = document.Version === '2012-10-17';
    for (const statement of asList<StatementDocument>(document.Statement)) {
      if (variables) {
        for (const resource of asList(statement.Resource ?? statement.NotResource))
          variablesIn(resource, add);
      }
      for (const block of Object.values(statement.Condition ?? {})) {
        for (const [conditionKey, values] of Object.entries(block)) {
          add(conditionKey);
          if (variables)
            for (const value of asList(values)) if (typeof value === 'string') variablesIn(value, add);
        }
      }
    }
  }
  return keys;
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Calls `add` with the key of each `${key}` or `${key, 'default'}` in `text` (not `${*}`, `${?}`, `${$}`). */
function variablesIn(text: string, add: (key: string) => void): void {
  let from = 0;
  for (;;) {
    const open = text.indexOf('${', from);
    if (open < 0) return;
    const close = text.indexOf('}', open + 2);
    if (close < 0) return;
    const inner = text.slice(open + 2, close);
    const comma = inner.indexOf(',');
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
    if (name && name !== '*' && name !== '?' && name !== '$' && !/[\s${}]/.test(name)) add(name);
    from = close + 1;
  }
}

// ---- the principal's own context keys

/** What authorization knows about a user principal: its name, id, ARN, account and tags. */
export function userPrincipalContext(
  arn: string,
  account: string,
  user: UserRecord | undefined,
  name: string,
): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'aws:username': user?.name ?? name,
    'aws:PrincipalArn': arn,
    'aws:PrincipalAccount': account,
    'aws:PrincipalType': 'User',
  };
  if (user) {
    context['aws:userid'] = user.id;
    addTags(context, user.tags);
  }
  return context;
}

export function rolePrincipalContext(role: RoleRecord, arn: string): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'aws:PrincipalArn': arn,
    'aws:PrincipalAccount': role.account,
    'aws:PrincipalType': 'AssumedRole',
  };
  addTags(context, role.tags);
  return context;
}

function addTags(context: Record<string, ContextValue>, tags: readonly Tag[]): void {
  for (const tag of tags) context[`aws:PrincipalTag/${tag.Key}`] = tag.Value;
  if (tags.length > 0) context['aws:PrincipalTagKeys'] = tags.map((t) => t.Key);
}

export function positionsOf(policy: SimulatedPolicy): StatementPosition[] {
  return (policy.positions ??= statementPositions(policy.text));
}
