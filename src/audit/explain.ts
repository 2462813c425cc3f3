// `portcullis explain`'s question put to the engine: a principal of an account (as
// GetAccountAuthorizationDetails describes it, exported or live), an action, a resource and a
// context → the policy sets AWS would evaluate, in the engine's terms, and the traced decision.
// Identity policies are the user's and its groups' (inline and managed) or the role's; the
// permissions boundary is the principal's; a role session adds its session policy; an account in an
// organization adds its SCPs, one list per level; sts:AssumeRole and its kin on a role of the
// account bring in the role's trust policy. The account's root user has no identity policies and
// needs none in its own account (only SCPs, resource policies and explicit denies limit it); a
// federated user (GetFederationToken) has what the IAM user who asked for its token has, through
// that user's boundary, limited to its session policy — or, for the root's token, its session
// policy alone.
import {
  createRequest,
  parsePolicy,
  traceDecision,
  type CompiledPolicy,
  type ContextValue,
  type DecisionTrace,
  type PolicyKind,
  type Principal as EnginePrincipal,
} from '../policy/index.ts';
import { InputError, type AuthorizationDetails, type Principal } from './snapshot.ts';

export interface ExplainQuestion {
  /**
   * A user or role ARN, the account's root (arn:aws:iam::…:root), an assumed-role session ARN
   * (arn:aws:sts::…:assumed-role/Role/Session) or a federated user's (arn:aws:sts::…:federated-user/Name).
   */
  readonly principalArn: string;
  /** For a federated user: the IAM user ARN (or the root's) whose key called GetFederationToken. */
  readonly federationUserArn?: string;
  readonly action: string;
  /** The resource ARN, or "*". */
  readonly resource: string;
  readonly context: Readonly<Record<string, ContextValue>>;
  /** A session's policy documents (parsed JSON). */
  readonly sessionPolicies?: readonly unknown[];
  /** The organization's SCPs that apply to the account, one list of documents per level (root first). */
  readonly serviceControlPolicies?: readonly (readonly { name: string; document: unknown }[])[];
  /** The RCPs of the resource's account, when it is a member's: one list per level (root first). */
  readonly resourceControlPolicies?: readonly (readonly { name: string; document: unknown }[])[];
  /** The target's resource-based policy, when it has one (trust policies come from the account). */
  readonly resourcePolicy?: unknown;
}

export interface Explanation {
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  /** The context the request was evaluated with: the principal's keys, then those given. */
  readonly context: Readonly<Record<string, ContextValue>>;
  readonly trace: DecisionTrace;
  /** Why AWS refuses the call before reading any policy, when it does: the trace is then moot. */
  readonly refused?: string;
}

/** Actions whose resource is a role and which its trust policy must allow (IAM User Guide, roles). */
const TRUST_ACTIONS = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
]);

/**
 * The policies of a user or role as AWS evaluates them: its own and (a user's) its groups', inline
 * and managed, and its permissions boundary. A document the export lacks or IAM refuses is an
 * InputError.
 */
export function principalPolicies(
  details: AuthorizationDetails,
  entity: Principal,
): { identity: CompiledPolicy[]; boundaries: CompiledPolicy[] | undefined } {
  const identity = policiesOf(details, entity);
  for (const name of entity.groups) {
    const group = details.groups.find((g) => g.name === name);
    if (!group)
      throw new InputError(`the group ${name} of ${entity.arn} is not in the authorization details`);
    identity.push(...policiesOf(details, group));
  }
  return {
    identity,
    boundaries: entity.boundaryArn ? [managedPolicy(details, entity.boundaryArn, 'boundary')] : undefined,
  };
}

function compile(document: unknown, kind: PolicyKind, id: string): CompiledPolicy {
  const parsed = parsePolicy(JSON.stringify(document), { kind, id, stored: true });
  if (!parsed.ok) throw new InputError(`${id}: ${parsed.error.message}`);
  return parsed.policy;
}

/** Each export's managed policies by ARN, and each compiled once per kind: an audit asks user after user. */
const indexes = new WeakMap<
  AuthorizationDetails,
  { documents: Map<string, unknown>; compiled: Map<string, CompiledPolicy> }
>();

function managedPolicy(details: AuthorizationDetails, arn: string, kind: PolicyKind): CompiledPolicy {
  let index = indexes.get(details);
  if (!index) {
    index = { documents: new Map(details.policies.map((p) => [p.arn, p.document])), compiled: new Map() };
    indexes.set(details, index);
  }
  const key = `${kind} ${arn}`;
  let policy = index.compiled.get(key);
  if (!policy) {
    const document = index.documents.get(arn);
    if (document === undefined)
      throw new InputError(`the managed policy ${arn} is not in the authorization details`);
    policy = compile(document, kind, arn);
    index.compiled.set(key, policy);
  }
  return policy;
}

function policiesOf(details: AuthorizationDetails, p: Principal): CompiledPolicy[] {
  return [
    ...p.inline.map((i) => compile(i.document, 'identity', `${p.kind} ${p.name}: inline policy ${i.name}`)),
    ...p.attached.map((a) => managedPolicy(details, a.arn!, 'identity')),
  ];
}

export function explainDecision(details: AuthorizationDetails, question: ExplainQuestion): Explanation {
  const who = findPrincipal(details, question.principalArn, question.federationUserArn);
  const own = who.entity ? principalPolicies(details, who.entity) : undefined;
  // The root's federation token: its session policy alone limits it, as the server weighs it.
  const identity =
    own?.identity ??
    (who.principal.type === 'federated-user' ? [compile(ALLOW_ALL, 'identity', 'root')] : []);
  if (question.sessionPolicies && !SESSIONS.has(who.principal.type))
    throw new InputError(
      'a session policy applies to a role session (arn:aws:sts::…:assumed-role/…) or a federated user (arn:aws:sts::…:federated-user/…) only',
    );

  const trustTarget = TRUST_ACTIONS.has(question.action.toLowerCase())
    ? details.roles.find((r) => r.arn === question.resource)
    : undefined;
  const resourcePolicies = trustTarget?.trustPolicy
    ? [compile(trustTarget.trustPolicy, 'trust', `role ${trustTarget.name}: trust policy`)]
    : question.resourcePolicy !== undefined
      ? [compile(question.resourcePolicy, 'resource', 'resource-based policy')]
      : undefined;

  const context = { ...who.context, ...question.context };
  const trace = traceDecision({
    request: createRequest({
      action: question.action,
      resource: question.resource,
      principal: who.principal,
      context,
    }),
    identityPolicies: identity,
    resourcePolicies,
    resourceAccount: resourcePolicies ? accountOf(question.resource) : undefined,
    permissionsBoundaries: own?.boundaries,
    sessionPolicies: question.sessionPolicies?.map((d, i) =>
      compile(d, 'session', `session policy ${i + 1}`),
    ),
    serviceControlPolicies: question.serviceControlPolicies?.map((level) =>
      level.map((p) => compile(p.document, 'scp', p.name)),
    ),
    resourceControlPolicies: question.resourceControlPolicies?.map((level) =>
      level.map((p) => compile(p.document, 'rcp', p.name)),
    ),
  });
  return {
    principalArn: question.principalArn,
    action: question.action,
    resource: question.resource,
    context,
    trace,
    ...(refusedOutright(who.principal.type, question.action) ? { refused: FEDERATED_REFUSAL } : {}),
  };
}

const FEDERATED_REFUSAL =
  'A federated user (GetFederationToken) can call no IAM operation, and of STS only GetCallerIdentity (IAM User Guide, "Compare AWS STS credentials"): refused before any policy is read.';

/** Whether AWS refuses the call for what the credentials are, whatever the policies say. */
function refusedOutright(type: EnginePrincipal['type'], action: string): boolean {
  const lower = action.toLowerCase();
  return (
    type === 'federated-user' &&
    (lower.startsWith('iam:') || (lower.startsWith('sts:') && lower !== 'sts:getcalleridentity'))
  );
}

/** The principals a session policy can limit. */
const SESSIONS: ReadonlySet<EnginePrincipal['type']> = new Set(['assumed-role', 'federated-user']);

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

interface Found {
  /** The user or role whose policies apply; none for the root user and the root's federated users. */
  readonly entity?: Principal;
  readonly principal: EnginePrincipal;
  /** The keys AWS puts in every request of this principal (global condition context keys). */
  readonly context: Record<string, ContextValue>;
}

function findPrincipal(details: AuthorizationDetails, arn: string, federationUserArn?: string): Found {
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(arn);
  if (root) {
    const account = root[1]!;
    return {
      principal: { arn, account, type: 'root' },
      // The root user's aws:userid is its account's id (IAM User Guide, aws:userid).
      context: {
        'aws:PrincipalArn': arn,
        'aws:PrincipalAccount': account,
        'aws:PrincipalType': 'Account',
        'aws:userid': account,
      },
    };
  }
  const federated = /^arn:[^:]+:sts::(\d{12}):federated-user\/(.+)$/.exec(arn);
  if (federated) {
    const [, account, name] = federated as unknown as [string, string, string];
    if (federationUserArn === undefined)
      throw new InputError(
        `${arn} is a federated user: give --federation-user, the IAM user (or the root) whose key called GetFederationToken`,
      );
    const by = findPrincipal(details, federationUserArn);
    if (by.principal.type !== 'user' && by.principal.type !== 'root')
      throw new InputError(
        `--federation-user must be an IAM user or the root user, not ${federationUserArn}`,
      );
    if (by.principal.account !== account)
      throw new InputError(`--federation-user ${federationUserArn} is not of the account ${account}`);
    return {
      ...(by.entity ? { entity: by.entity } : {}),
      principal: { arn, account, type: 'federated-user' },
      // A federated user's aws:userid is account:caller-specified-name (IAM User Guide, aws:userid).
      context: {
        'aws:PrincipalArn': arn,
        'aws:PrincipalAccount': account,
        'aws:PrincipalType': 'FederatedUser',
        'aws:userid': `${account}:${name}`,
      },
    };
  }
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (session) {
    const [, , account, roleName, sessionName] = session;
    const role = details.roles.find((r) => r.name === roleName && accountOf(r.arn) === account);
    if (!role) throw new InputError(`no role ${roleName} in the authorization details`);
    return {
      entity: role,
      principal: { arn, account: account!, type: 'assumed-role', roleArn: role.arn, uniqueId: role.id },
      context: {
        'aws:PrincipalArn': role.arn,
        'aws:PrincipalAccount': account!,
        'aws:PrincipalType': 'AssumedRole',
        ...(role.id ? { 'aws:userid': `${role.id}:${sessionName}` } : {}),
        ...principalTags(role),
      },
    };
  }
  const user = details.users.find((u) => u.arn === arn);
  if (user) {
    const account = accountOf(arn)!;
    return {
      entity: user,
      principal: { arn, account, type: 'user', uniqueId: user.id },
      context: {
        'aws:PrincipalArn': arn,
        'aws:PrincipalAccount': account,
        'aws:PrincipalType': 'User',
        'aws:username': user.name,
        ...(user.id ? { 'aws:userid': user.id } : {}),
        ...principalTags(user),
      },
    };
  }
  const role = details.roles.find((r) => r.arn === arn);
  if (role) {
    // A role acts only through its sessions: the role's own ARN stands for any session of it.
    const account = accountOf(arn)!;
    return {
      entity: role,
      principal: { arn, account, type: 'assumed-role', roleArn: arn, uniqueId: role.id },
      context: {
        'aws:PrincipalArn': arn,
        'aws:PrincipalAccount': account,
        'aws:PrincipalType': 'AssumedRole',
        ...principalTags(role),
      },
    };
  }
  throw new InputError(
    `no user or role ${arn} in the authorization details (give a user, role, root, assumed-role session or federated user ARN)`,
  );
}

function principalTags(p: Principal): Record<string, string> {
  return Object.fromEntries(Object.entries(p.tags ?? {}).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]));
}

function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}
