// Every request is decided by the policy engine with the caller's effective policies and the full
// request context, and denied with AWS's AccessDenied message.
import {
  accessDeniedMessage,
  createRequest,
  evaluate,
  type CompiledPolicy,
  type ContextValue,
  type EvaluationResult,
} from '../policy/index.ts';
import type { Caller } from './caller.ts';
import type { Iam } from './iam.ts';
import type { StoreTx } from './store.ts';
import type { GroupRecord, PolicyHolder, UserRecord } from './records.ts';
import { IamError } from './errors.ts';
import { key } from './names.ts';
import { loadManagedPolicyDocument } from './policy-documents.ts';

export interface AuthorizationRequest {
  /** "iam:CreateUser" as AWS spells it. */
  readonly action: string;
  /** The resource ARN from AWS's service authorization reference, or "*". */
  readonly resource: string;
  /** Request-specific keys: aws:RequestTag/*, aws:TagKeys, aws:ResourceTag/*, iam:PolicyARN, ... */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

/** The caller's identity-based policies and permissions boundary, as loaded for one request. */
export interface CallerPolicies {
  readonly identity: readonly CompiledPolicy[];
  readonly boundary: readonly CompiledPolicy[] | undefined;
  readonly principalContext: Readonly<Record<string, ContextValue>>;
}

/** Throws AccessDenied unless the caller may do this. */
export async function authorize(
  iam: Iam,
  tx: StoreTx,
  caller: Caller,
  request: AuthorizationRequest,
): Promise<void> {
  const result = await decideFor(iam, tx, caller, request);
  if (result.decision === 'allowed') return;
  throw new IamError(
    'AccessDenied',
    accessDeniedMessage({
      principalArn: caller.arn,
      action: request.action,
      resource: request.resource,
      result,
    }),
  );
}

export async function decideFor(
  iam: Iam,
  tx: StoreTx,
  caller: Caller,
  request: AuthorizationRequest,
): Promise<EvaluationResult> {
  // The root user may do everything in its own account.
  if (caller.type === 'root') return ROOT_ALLOWED;
  const policies = await loadCallerPolicies(iam, tx, caller);
  const prepared = createRequest({
    action: request.action,
    resource: request.resource,
    principal: { arn: caller.arn, account: caller.account, type: 'user' },
    context: { ...caller.requestContext, ...policies.principalContext, ...request.context },
  });
  return evaluate({
    request: prepared,
    identityPolicies: policies.identity,
    permissionsBoundaries: policies.boundary,
  });
}

const ROOT_ALLOWED: EvaluationResult = Object.freeze({
  decision: 'allowed',
  deniedBy: undefined,
  decidingStatements: [],
  matchedStatements: [],
  missingContextKeys: [],
});

export async function loadCallerPolicies(iam: Iam, tx: StoreTx, caller: Caller): Promise<CallerPolicies> {
  const user = await tx.get<UserRecord>('user', key.entity(caller.account, caller.userName ?? ''));
  if (!user) return { identity: [], boundary: undefined, principalContext: {} };
  const identity: CompiledPolicy[] = [];
  await addHolderPolicies(iam, tx, caller.account, user, `user/${user.name}`, identity);
  for (const groupName of user.groups) {
    const group = await tx.get<GroupRecord>('group', key.entity(caller.account, groupName));
    if (group) await addHolderPolicies(iam, tx, caller.account, group, `group/${group.name}`, identity);
  }
  let boundary: CompiledPolicy[] | undefined;
  if (user.permissionsBoundary) {
    const document = await loadManagedPolicyDocument(iam, tx, caller.account, user.permissionsBoundary);
    // A boundary whose policy is gone allows nothing, as AWS treats it.
    boundary = document ? [iam.compile(document, 'boundary', user.permissionsBoundary)] : [];
  }
  const principalContext: Record<string, ContextValue> = {
    'aws:username': user.name,
    'aws:userid': user.id,
    'aws:PrincipalArn': caller.arn,
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalType': 'User',
  };
  for (const tag of user.tags) principalContext[`aws:PrincipalTag/${tag.Key}`] = tag.Value;
  if (user.tags.length > 0) principalContext['aws:PrincipalTagKeys'] = user.tags.map((t) => t.Key);
  return { identity, boundary, principalContext };
}

async function addHolderPolicies(
  iam: Iam,
  tx: StoreTx,
  account: string,
  holder: PolicyHolder,
  holderId: string,
  into: CompiledPolicy[],
): Promise<void> {
  for (const arn of holder.attachedPolicies) {
    const document = await loadManagedPolicyDocument(iam, tx, account, arn);
    if (document) into.push(iam.compile(document, 'identity', arn));
  }
  for (const [name, document] of Object.entries(holder.inlinePolicies)) {
    into.push(iam.compile(document, 'identity', `${holderId}/${name}`));
  }
}
