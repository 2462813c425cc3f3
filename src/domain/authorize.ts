// Every request is decided by the policy engine with the caller's effective policies and the full
// request context, and denied with AWS's AccessDenied message.
import {
  accessDeniedMessage,
  createRequest,
  evaluate,
  type CompiledPolicy,
  type ContextValue,
  type EvaluationResult,
  type Principal,
} from '../policy/index.ts';
import type { Caller } from './caller.ts';
import type { Iam } from './iam.ts';
import type { StoreTx } from './store.ts';
import type { GroupRecord, RoleRecord, Tag, UserRecord } from './records.ts';
import type { SessionRecord } from './sts/sessions.ts';
import { IamError } from './errors.ts';
import { loadManagedPolicyDocument } from './policy-documents.ts';
import { recordServiceUse } from './service-uses.ts';
import { organizationAccounts, roles, users } from './tables.ts';
import { groupsOfUser } from './iam/groups.ts';
import { attachmentsOf } from './iam/managed-policies-attachments.ts';
import { orgPathOf } from './organizations/org-paths.ts';
import { scpLevelsOf } from './organizations/scp-attachments.ts';
import { isServiceLinkedRoleArn, resourceControlPoliciesFor } from './organizations/rcp-scope.ts';

export interface AuthorizationRequest {
  /** "iam:CreateUser" as AWS spells it. */
  readonly action: string;
  /** The resource ARN from AWS's service authorization reference, or "*". */
  readonly resource: string;
  /** Request-specific keys: aws:RequestTag/*, aws:TagKeys, aws:ResourceTag/*, iam:PolicyARN, ... */
  readonly context?: Readonly<Record<string, ContextValue>>;
  /** The target's resource-based policy (for sts:AssumeRole, the role's trust policy) and its owner. */
  readonly resourcePolicies?: readonly CompiledPolicy[];
  readonly resourceAccount?: string;
}

/** What the engine needs to know about the caller: its policies, as a principal, and its context keys. */
export interface CallerPolicies {
  readonly identity: readonly CompiledPolicy[];
  readonly boundary: readonly CompiledPolicy[] | undefined;
  readonly session: readonly CompiledPolicy[] | undefined;
  readonly principal: Principal;
  readonly principalContext: Readonly<Record<string, ContextValue>>;
  /**
   * The service control policies of a member account's path, one level per root, OU and the
   * account itself; undefined when none limit the caller (see withOrganization).
   */
  readonly serviceControlPolicies?: readonly (readonly CompiledPolicy[])[];
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
  recordServiceUse(iam, caller, request.action);
  const policies = await loadCallerPolicies(iam, tx, caller);
  // The RCPs of the resource's account (a role's, for STS), whichever account the caller is of.
  const resourceControlPolicies = isServiceLinkedRoleArn(caller.session?.role?.arn)
    ? undefined
    : await resourceControlPoliciesFor(iam, tx, request.action, request.resource);
  // The root user may do everything in its own account, but what its organization's SCPs deny.
  const rootInOwnAccount = caller.type === 'root' && !request.resourcePolicies;
  // A root session (AssumeRoot) is the root user less what its task policy denies (its identity here).
  if (
    rootInOwnAccount &&
    !policies.serviceControlPolicies &&
    !resourceControlPolicies &&
    policies.identity.length === 0
  )
    return ROOT_ALLOWED;
  const resourceAccount = request.resourceAccount ?? caller.account;
  const prepared = createRequest({
    action: request.action,
    resource: request.resource,
    principal: policies.principal,
    context: [
      caller.requestContext,
      policies.principalContext,
      mfaAgeContext(caller.session, iam.now()),
      await resourceContext(tx, resourceAccount, caller.account, policies.principalContext),
      request.context ?? NO_KEYS,
    ],
  });
  return evaluate({
    request: prepared,
    identityPolicies: rootInOwnAccount
      ? [iam.compile(ALLOW_ALL, 'identity', 'root'), ...policies.identity]
      : policies.identity,
    permissionsBoundaries: policies.boundary,
    sessionPolicies: policies.session,
    resourcePolicies: request.resourcePolicies,
    resourceAccount: request.resourceAccount,
    serviceControlPolicies: policies.serviceControlPolicies,
    resourceControlPolicies,
  });
}

const NO_KEYS: Readonly<Record<string, ContextValue>> = Object.freeze({});

/**
 * aws:ResourceAccount, aws:ResourceOrgID and aws:ResourceOrgPaths: the account owning the resource,
 * its organization and its path there (the caller's own, already known, unless the resource is
 * another account's, as a role assumed across accounts is).
 */
async function resourceContext(
  tx: StoreTx,
  resourceAccount: string,
  callerAccount: string,
  principalContext: Readonly<Record<string, ContextValue>>,
): Promise<Record<string, ContextValue>> {
  if (resourceAccount === callerAccount) {
    const orgId = principalContext['aws:PrincipalOrgID'];
    return {
      'aws:ResourceAccount': resourceAccount,
      ...(orgId !== undefined
        ? { 'aws:ResourceOrgID': orgId, 'aws:ResourceOrgPaths': principalContext['aws:PrincipalOrgPaths']! }
        : {}),
    };
  }
  const membership = await tx.get(organizationAccounts, resourceAccount);
  return {
    'aws:ResourceAccount': resourceAccount,
    ...(membership
      ? {
          'aws:ResourceOrgID': membership.organization,
          'aws:ResourceOrgPaths': [await orgPathOf(tx, membership)],
        }
      : {}),
  };
}

const ROOT_ALLOWED: EvaluationResult = Object.freeze({
  decision: 'allowed',
  deniedBy: undefined,
  decidingStatements: [],
  matchedStatements: [],
  missingContextKeys: [],
});

/**
 * The effective policies of a user, of a role session (the role's) or of a federated user (its
 * user's), with the principal's context keys except the time-dependent aws:MultiFactorAuthAge.
 * Nearly every request repeats its caller's last one, so in read transactions the answer is
 * remembered until the next write (which may change a policy, a membership or a tag).
 */
export function loadCallerPolicies(iam: Iam, tx: StoreTx, caller: Caller): Promise<CallerPolicies> {
  if (caller.accessKeyId === undefined)
    return readCallerPolicies(iam, tx, caller).then((p) => withOrganization(iam, tx, caller, p));
  const rememberAs = `caller-policies\u0000${caller.type}\u0000${caller.accessKeyId}\u0000${caller.arn}\u0000${caller.userId}`;
  return iam.remember(tx, caller.account, rememberAs, async () =>
    freezePolicies(await withOrganization(iam, tx, caller, await readCallerPolicies(iam, tx, caller))),
  );
}

/**
 * aws:PrincipalOrgID and aws:PrincipalOrgPaths: the organization of the principal's account and
 * the account's path in it (one value of a multivalued key), when it is in one; and the SCPs of
 * that path, which limit every principal of a member account (its root user too) but service-linked
 * roles ("SCPs don't affect service-linked roles", Organizations User Guide).
 */
async function withOrganization(
  iam: Iam,
  tx: StoreTx,
  caller: Caller,
  policies: CallerPolicies,
): Promise<CallerPolicies> {
  const membership = await tx.get(organizationAccounts, caller.account);
  if (!membership) return policies;
  const orgPath = await orgPathOf(tx, membership);
  const levels = isServiceLinkedRoleArn(caller.session?.role?.arn)
    ? undefined
    : await scpLevelsOf(tx, membership, orgPath);
  return {
    ...policies,
    principalContext: {
      ...policies.principalContext,
      'aws:PrincipalOrgID': membership.organization,
      'aws:PrincipalOrgPaths': [orgPath],
    },
    ...(levels
      ? {
          serviceControlPolicies: levels.map((level) =>
            level.map(({ id, content }) => iam.compile(content, 'scp', id)),
          ),
        }
      : {}),
  };
}

function freezePolicies(policies: CallerPolicies): CallerPolicies {
  Object.freeze(policies.identity);
  if (policies.serviceControlPolicies)
    for (const level of policies.serviceControlPolicies) Object.freeze(level);
  if (policies.boundary) Object.freeze(policies.boundary);
  if (policies.session) Object.freeze(policies.session);
  Object.freeze(policies.principal);
  Object.freeze(policies.principalContext);
  return Object.freeze(policies);
}

/** aws:MultiFactorAuthAge: seconds since the session's MFA authentication, when it had one. */
function mfaAgeContext(
  session: SessionRecord | undefined,
  now: Date,
): Readonly<Record<string, ContextValue>> {
  if (!session?.mfaAuthenticatedAt) return NO_KEYS;
  const age = Math.floor((now.getTime() - Date.parse(session.mfaAuthenticatedAt)) / 1000);
  return { 'aws:MultiFactorAuthAge': Math.max(0, age) };
}

async function readCallerPolicies(iam: Iam, tx: StoreTx, caller: Caller): Promise<CallerPolicies> {
  const session = caller.session;
  const sessionPolicies =
    session && session.type !== 'root'
      ? await loadSessionPolicies(iam, tx, caller.account, session)
      : undefined;
  const sessionContext = session ? sessionContextKeys(session) : {};
  if (caller.type === 'assumed-role') {
    // The role the session was issued for, by id: a role re-created under its name is another role.
    const role: RoleRecord | undefined = session?.role && (await tx.get(roles, session.role.id));
    const identity: CompiledPolicy[] = [];
    if (role) await addHolderPolicies(iam, tx, caller.account, role, `role/${role.name}`, identity);
    const tags = mergeSessionTags(role?.tags ?? [], session?.tags ?? []);
    return {
      identity,
      boundary: role?.permissionsBoundary
        ? await loadBoundary(iam, tx, caller.account, role.permissionsBoundary)
        : undefined,
      session: sessionPolicies,
      principal: {
        arn: caller.arn,
        account: caller.account,
        type: 'assumed-role',
        roleArn: session?.role?.arn,
        uniqueId: session?.role?.id,
      },
      principalContext: {
        'aws:userid': caller.userId,
        'aws:PrincipalArn': session?.role?.arn ?? caller.arn,
        'aws:PrincipalAccount': caller.account,
        'aws:PrincipalType': 'AssumedRole',
        ...tagContext(tags),
        ...sessionContext,
      },
    };
  }
  if (caller.type === 'federated-user' && caller.userName === undefined) {
    // A federation token of the root user: its session policy alone limits it.
    return {
      identity: [iam.compile(ALLOW_ALL, 'identity', 'root')],
      boundary: undefined,
      session: sessionPolicies ?? [],
      principal: { arn: caller.arn, account: caller.account, type: 'federated-user' },
      principalContext: federatedContext(caller, sessionContext),
    };
  }
  if (caller.type === 'root') {
    return {
      identity: session?.type === 'root' ? await loadRootTaskPolicies(iam, tx, caller.account, session) : [],
      boundary: undefined,
      session: undefined,
      principal: { arn: caller.arn, account: caller.account, type: 'root' },
      principalContext: {
        'aws:userid': caller.userId,
        'aws:PrincipalArn': caller.arn,
        'aws:PrincipalAccount': caller.account,
        'aws:PrincipalType': 'Account',
        ...sessionContext,
      },
    };
  }
  // The IAM user behind the caller, by id (a federated user's is the session's principal).
  const userId = caller.type === 'federated-user' ? session?.principalId : caller.userId;
  const user: UserRecord | undefined = userId === undefined ? undefined : await tx.get(users, userId);
  const identity: CompiledPolicy[] = [];
  if (user) {
    await addHolderPolicies(iam, tx, caller.account, user, `user/${user.name}`, identity);
    for (const group of await groupsOfUser(tx, user)) {
      await addHolderPolicies(iam, tx, caller.account, group, `group/${group.name}`, identity);
    }
  }
  const boundary = user?.permissionsBoundary
    ? await loadBoundary(iam, tx, caller.account, user.permissionsBoundary)
    : undefined;
  if (caller.type === 'federated-user') {
    return {
      identity,
      boundary,
      session: sessionPolicies ?? [],
      principal: { arn: caller.arn, account: caller.account, type: 'federated-user' },
      principalContext: federatedContext(caller, sessionContext),
    };
  }
  return {
    identity,
    boundary,
    session: undefined,
    principal: { arn: caller.arn, account: caller.account, type: 'user', uniqueId: user?.id },
    principalContext: {
      'aws:username': user?.name ?? caller.userName ?? '',
      'aws:userid': caller.userId,
      'aws:PrincipalArn': caller.arn,
      'aws:PrincipalAccount': caller.account,
      'aws:PrincipalType': 'User',
      ...tagContext(user?.tags ?? []),
      ...sessionContext,
    },
  };
}

const ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

function federatedContext(
  caller: Caller,
  sessionContext: Record<string, ContextValue>,
): Record<string, ContextValue> {
  return {
    'aws:userid': caller.userId,
    'aws:PrincipalArn': caller.arn,
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalType': 'FederatedUser',
    ...sessionContext,
  };
}

/**
 * What a temporary session adds to every request it signs (reference_policies_condition-keys),
 * but aws:MultiFactorAuthAge, which grows with time (mfaAgeContext).
 */
function sessionContextKeys(session: SessionRecord): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    'aws:MultiFactorAuthPresent': session.mfaAuthenticatedAt !== undefined,
    'aws:TokenIssueTime': session.issuedAt,
  };
  if (session.sourceIdentity) context['aws:SourceIdentity'] = session.sourceIdentity;
  return context;
}

function tagContext(tags: readonly Tag[]): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const tag of tags) context[`aws:PrincipalTag/${tag.Key}`] = tag.Value;
  return context;
}

/** Session tags override the role's tags of the same key (keys compare without case). */
function mergeSessionTags(roleTags: readonly Tag[], sessionTags: readonly Tag[]): Tag[] {
  const overridden = new Set(sessionTags.map((t) => t.Key.toLowerCase()));
  return [...roleTags.filter((t) => !overridden.has(t.Key.toLowerCase())), ...sessionTags];
}

async function loadBoundary(iam: Iam, tx: StoreTx, account: string, arn: string): Promise<CompiledPolicy[]> {
  const document = await loadManagedPolicyDocument(iam, tx, account, arn);
  // A boundary whose policy is gone allows nothing, as AWS treats it.
  return document ? [iam.compile(document, 'boundary', arn)] : [];
}

/**
 * A root session's task policy (AssumeRoot's TaskPolicyArn). AWS writes each root-task policy as
 * Deny statements over all else the root user may do, so it is weighed beside the root user's
 * implicit full access as an identity policy: a session policy, which must also allow, would allow
 * nothing. A task policy gone from the catalog denies everything, as a missing boundary does.
 */
async function loadRootTaskPolicies(
  iam: Iam,
  tx: StoreTx,
  account: string,
  session: SessionRecord,
): Promise<CompiledPolicy[]> {
  const policies: CompiledPolicy[] = [];
  for (const arn of session.policyArns) {
    const document = await loadManagedPolicyDocument(iam, tx, account, arn);
    policies.push(iam.compile(document ?? DENY_ALL, 'identity', arn));
  }
  return policies;
}

const DENY_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';

/** A session's policies: undefined when it was given none (then they do not limit it). */
async function loadSessionPolicies(
  iam: Iam,
  tx: StoreTx,
  account: string,
  session: SessionRecord,
): Promise<CompiledPolicy[] | undefined> {
  if (session.inlinePolicy === undefined && session.policyArns.length === 0) return undefined;
  const policies: CompiledPolicy[] = [];
  if (session.inlinePolicy !== undefined)
    policies.push(iam.compile(session.inlinePolicy, 'session', 'session-policy'));
  for (const arn of session.policyArns) {
    const document = await loadManagedPolicyDocument(iam, tx, account, arn);
    if (document) policies.push(iam.compile(document, 'session', arn));
  }
  return policies;
}

async function addHolderPolicies(
  iam: Iam,
  tx: StoreTx,
  account: string,
  holder: UserRecord | GroupRecord | RoleRecord,
  holderId: string,
  into: CompiledPolicy[],
): Promise<void> {
  for (const { policyArn: arn } of await attachmentsOf(tx, holder.id)) {
    const document = await loadManagedPolicyDocument(iam, tx, account, arn);
    if (document) into.push(iam.compile(document, 'identity', arn));
  }
  for (const [name, document] of Object.entries(holder.inlinePolicies)) {
    into.push(iam.compile(document, 'identity', `${holderId}/${name}`));
  }
}
