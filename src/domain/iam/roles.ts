// Roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy,
// DeleteRole, their tags and permissions boundary.
//
// What AWS returns where (recorded from real AWS in LocalStack's IAM snapshots, test_iam_roles):
// - CreateRole and UpdateRoleDescription answer with Path, RoleName, RoleId, Arn, CreateDate,
//   AssumeRolePolicyDocument, PermissionsBoundary and Tags when set (CreateRole leaves out the
//   Description it was given; UpdateRoleDescription includes it), never MaxSessionDuration.
// - GetRole adds Description, MaxSessionDuration and RoleLastUsed (an empty structure until the
//   role is used).
// - ListRoles leaves out PermissionsBoundary, RoleLastUsed and Tags (API reference, ListRoles).
// - PermissionsBoundaryType is "Policy" on the wire (recorded responses and the AWS CLI's own
//   examples), although the botocore enum spells it PermissionsBoundaryPolicy.
// - The trust policy comes back URL-encoded as RFC 3986 describes (API reference, Role data type).
import { newRequestId, newUniqueId } from '../../crypto/ids.ts';
import { checkPolicySize, parsePolicy, policySize, type ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import { iamArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { DeletionTaskRecord, LastUsedRecord, RoleRecord } from '../records.ts';
import {
  deletionTasks,
  instanceProfiles,
  lastUsed,
  policyAttachments,
  roles,
  serviceAccesses,
} from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  isoNow,
  listPage,
  pageOutput,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  tagsOf,
  tagOperations,
  writeTx,
} from '../operation.ts';
import { requireAttachablePolicy } from './policy-refs.ts';
import { encodePolicyDocument } from '../policy-documents.ts';
import { bindTrustPrincipals, trustPoliciesForDisplay } from './trust-principals.ts';

/**
 * Roles per account (IAM and STS quotas: 1,000 by default). AWS's text when it is reached,
 * "Cannot exceed quota for RolesPerAccount: 1000", as recorded in
 * https://github.com/serverless-nextjs/serverless-next.js/issues/2234
 */
export const ROLES_QUOTA = 1000;

export const DEFAULT_MAX_SESSION_DURATION = 3600;
export const MIN_MAX_SESSION_DURATION = 3600;
export const MAX_MAX_SESSION_DURATION = 43200;

export function roleArn(role: Pick<RoleRecord, 'account' | 'path' | 'name'>): string {
  return iamArn(role.account, 'role', role.path, role.name);
}

export function roleArnFor(account: string, name: string, role: RoleRecord | undefined): string {
  return role ? roleArn(role) : iamArn(account, 'role', '/', name);
}

/** Which answer the Role structure goes into; each carries the members AWS sends there. */
export type RoleView = 'create' | 'get' | 'list' | 'instance-profile';

/**
 * The Role structure. `trustPolicy` is the trust policy as shown (trustPoliciesForDisplay), and
 * `used` the role's last use (GetRole only).
 */
export function roleOutput(
  role: RoleRecord,
  view: RoleView,
  trustPolicy: string,
  used?: LastUsedRecord,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: roleArn(role),
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodePolicyDocument(trustPolicy),
  };
  if (view === 'get' || view === 'list') {
    if (role.description !== undefined) out.Description = role.description;
    out.MaxSessionDuration = role.maxSessionDuration;
  }
  if ((view === 'get' || view === 'create') && role.permissionsBoundary) {
    out.PermissionsBoundary = {
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: role.permissionsBoundary,
    };
  }
  if ((view === 'get' || view === 'create') && role.tags.length > 0) out.Tags = role.tags;
  if (view === 'get') {
    out.RoleLastUsed = used ? { LastUsedDate: used.date, Region: used.region } : {};
  }
  return out;
}

export function noSuchRole(name: string): IamError {
  return new IamError('NoSuchEntity', `The role with name ${name} cannot be found.`);
}

export function findRole(tx: StoreTx, account: string, name: string): Promise<RoleRecord | undefined> {
  return tx.find(roles, { account, name_lower: name.toLowerCase() });
}

/** The role's structure for one view, its trust policy shown as GetRole shows it. */
export async function roleOutputOf(
  tx: StoreTx,
  role: RoleRecord,
  view: RoleView,
): Promise<Record<string, unknown>> {
  const trustOf = await trustPoliciesForDisplay(tx, [role]);
  const used = view === 'get' ? await tx.get(lastUsed, role.id) : undefined;
  return roleOutput(role, view, trustOf(role), used);
}

/**
 * The usual opening of a per-role operation: find the role, authorize on its ARN (with its tags as
 * aws:ResourceTag), then fail with NoSuchEntity if it does not exist.
 */
export async function authorizedRole(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  name: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<RoleRecord> {
  const role = await findRole(tx, ctx.caller.account, name);
  await check(ctx, tx, action, roleArnFor(ctx.caller.account, name, role), {
    ...resourceTagContext(role?.tags),
    ...context,
  });
  if (!role) throw noSuchRole(name);
  return role;
}

/**
 * Validates a trust policy as IAM does (grammar, then the trust policy size quota). AWS's
 * LimitExceeded "Cannot exceed quota for ACLSizePerRole: 2048" on CreateRole and
 * UpdateAssumeRolePolicy: https://github.com/apache/airflow/pull/27331,
 * https://github.com/kubeflow/kubeflow/issues/6687 (4096 once raised:
 * https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/2718).
 */
export function validateTrustPolicy(text: string, roleName: string): void {
  const parsed = parsePolicy(text, { kind: 'trust', id: `role/${roleName}/trust` });
  if (!parsed.ok) throw new IamError(parsed.error.code, parsed.error.message);
  const tooBig = checkPolicySize(policySize(text), 'trust', roleName);
  if (tooBig) throw new IamError(tooBig.code, tooBig.message);
}

/** The protocol checks the model's range first; this guards other callers (the console). */
function maxSessionDurationOf(input: Input): number | undefined {
  const value = input.MaxSessionDuration;
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  const fault =
    !Number.isInteger(n) || n < MIN_MAX_SESSION_DURATION
      ? `Member must have value greater than or equal to ${MIN_MAX_SESSION_DURATION}`
      : n > MAX_MAX_SESSION_DURATION
        ? `Member must have value less than or equal to ${MAX_MAX_SESSION_DURATION}`
        : undefined;
  if (fault) {
    throw new IamError(
      'ValidationError',
      `1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: ${fault}`,
    );
  }
  return n;
}

function saveRole(tx: StoreTx, role: RoleRecord): Promise<void> {
  return tx.update(roles, role);
}

const roleOperations: Record<string, Operation> = {
  async CreateRole(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    const path = str(input, 'Path') ?? '/';
    const trustPolicy = requiredStr(input, 'AssumeRolePolicyDocument');
    const description = str(input, 'Description');
    const maxSessionDuration = maxSessionDurationOf(input) ?? DEFAULT_MAX_SESSION_DURATION;
    const boundary = str(input, 'PermissionsBoundary');
    const tags = tagsOf(input);
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreateRole', iamArn(account, 'role', path, name), {
        ...requestTagContext(tags),
        ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
      });
      validateTrustPolicy(trustPolicy, name);
      if (await findRole(tx, account, name))
        throw new IamError('EntityAlreadyExists', `Role with name ${name} already exists.`);
      if ((await tx.count(roles, { account })) >= ROLES_QUOTA) {
        throw new IamError('LimitExceeded', `Cannot exceed quota for RolesPerAccount: ${ROLES_QUOTA}`);
      }
      if (boundary) await requireAttachablePolicy(ctx, tx, boundary, 'boundary');
      const trustPrincipals = await bindTrustPrincipals(tx, trustPolicy);
      const role: RoleRecord = {
        account,
        id: newUniqueId('AROA'),
        name,
        path,
        createdAt: isoNow(ctx),
        trustPolicy,
        ...(Object.keys(trustPrincipals).length > 0 ? { trustPrincipals } : {}),
        maxSessionDuration,
        tags,
        inlinePolicies: {},
        ...(description ? { description } : {}),
        ...(boundary ? { permissionsBoundary: boundary } : {}),
      };
      await tx.insert(roles, role);
      return { Role: roleOutput(role, 'create', trustPolicy) };
    });
  },

  async GetRole(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    return ctx.iam.store.read(async (tx) => {
      const role = await authorizedRole(ctx, tx, 'iam:GetRole', name);
      return { Role: await roleOutputOf(tx, role, 'get') };
    });
  },

  async ListRoles(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListRoles', iamArn(account, 'role', prefix, ''));
      const page = await listPage(tx, roles, input, {
        where: { account },
        prefix: { column: 'path', value: prefix },
        orderBy: 'name_lower',
      });
      const trustOf = await trustPoliciesForDisplay(tx, page.items);
      return pageOutput('Roles', page, (r) => roleOutput(r, 'list', trustOf(r)));
    });
  },

  async UpdateRole(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    const description = str(input, 'Description');
    const maxSessionDuration = maxSessionDurationOf(input);
    return writeTx(ctx, async (tx) => {
      const role = await authorizedRole(ctx, tx, 'iam:UpdateRole', name);
      // A service-linked role's description may be edited; nothing else.
      if (maxSessionDuration !== undefined) assertModifiableRole(role);
      // Members left out keep their values (recorded: an UpdateRole with neither changes nothing).
      if (description !== undefined) setDescription(role, description);
      if (maxSessionDuration !== undefined) role.maxSessionDuration = maxSessionDuration;
      await saveRole(tx, role);
      return undefined;
    });
  },

  async UpdateRoleDescription(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    const description = requiredStr(input, 'Description');
    return writeTx(ctx, async (tx) => {
      const role = await authorizedRole(ctx, tx, 'iam:UpdateRoleDescription', name);
      setDescription(role, description);
      await saveRole(tx, role);
      const out = await roleOutputOf(tx, role, 'create');
      if (role.description !== undefined) out.Description = role.description;
      return { Role: out };
    });
  },

  async UpdateAssumeRolePolicy(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    const document = requiredStr(input, 'PolicyDocument');
    return writeTx(ctx, async (tx) => {
      const role = await authorizedRole(ctx, tx, 'iam:UpdateAssumeRolePolicy', name);
      assertModifiableRole(role);
      validateTrustPolicy(document, role.name);
      const trustPrincipals = await bindTrustPrincipals(tx, document);
      role.trustPolicy = document;
      if (Object.keys(trustPrincipals).length > 0) role.trustPrincipals = trustPrincipals;
      else delete role.trustPrincipals;
      await saveRole(tx, role);
      return undefined;
    });
  },

  async DeleteRole(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    return writeTx(ctx, async (tx) => {
      const role = await authorizedRole(ctx, tx, 'iam:DeleteRole', name);
      assertModifiableRole(role);
      const conflict = (message: string) => new IamError('DeleteConflict', message);
      if ((await tx.count(instanceProfiles, { role_id: role.id })) > 0)
        throw conflict('Cannot delete entity, must remove roles from instance profile first.');
      if (Object.keys(role.inlinePolicies).length > 0)
        throw conflict('Cannot delete entity, must delete policies first.');
      if ((await tx.count(policyAttachments, { holder_id: role.id })) > 0)
        throw conflict('Cannot delete entity, must detach all policies first.');
      await tx.delete(roles, role.id);
      await tx.delete(lastUsed, role.id);
      await tx.deleteWhere(serviceAccesses, { principal_id: role.id });
      return undefined;
    });
  },

  async PutRolePermissionsBoundary(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    const boundary = requiredStr(input, 'PermissionsBoundary');
    return writeTx(ctx, async (tx) => {
      const role = await authorizedRole(ctx, tx, 'iam:PutRolePermissionsBoundary', name, {
        'iam:PermissionsBoundary': boundary,
      });
      assertModifiableRole(role);
      await requireAttachablePolicy(ctx, tx, boundary, 'boundary');
      role.permissionsBoundary = boundary;
      await saveRole(tx, role);
      return undefined;
    });
  },

  async DeleteRolePermissionsBoundary(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    return writeTx(ctx, async (tx) => {
      const existing = await findRole(tx, ctx.caller.account, name);
      // iam:PermissionsBoundary names the boundary being removed (service authorization reference).
      const role = await authorizedRole(
        ctx,
        tx,
        'iam:DeleteRolePermissionsBoundary',
        name,
        existing?.permissionsBoundary ? { 'iam:PermissionsBoundary': existing.permissionsBoundary } : {},
      );
      assertModifiableRole(role);
      delete role.permissionsBoundary;
      await saveRole(tx, role);
      return undefined;
    });
  },
};

function setDescription(role: RoleRecord, description: string): void {
  if (description === '') delete role.description;
  else role.description = description;
}

// ---- service-linked roles
//
// A service-linked role lives under /aws-service-role/<service>/, trusts only its service, carries
// the service's AWS managed policy (under /aws-service-role/) and is changed only by AWS: its trust
// policy, boundary and deletion through DeleteRole are refused with UnmodifiableEntity (its
// description may be edited, IAM User Guide "Edit a service-linked role").
//
// Which services have one, and the name, policy and CustomSuffix rule of each, come from the
// catalog (iam.serviceLinkedRoles; storage/service-linked-roles.ts). AWS has no generic rule for a
// service it does not know, so neither does Portcullis: such a service is refused. Recorded AWS
// messages (InvalidInput): "Custom suffix is not allowed for <service>" (recorded responses for
// 68 services, and e.g. es.amazonaws.com reported through CloudFormation in a public post) and
// "Service role name <name> has been taken in this account, please try a different suffix."
// (quoted in public issues, e.g. for AWSServiceRoleForECS and AWSServiceRoleForEC2Spot).

export const SERVICE_ROLE_PATH = '/aws-service-role/';

export function isServiceLinkedRole(role: Pick<RoleRecord, 'path'>): boolean {
  return role.path.startsWith(SERVICE_ROLE_PATH);
}

/** The service a service-linked role belongs to (from its path /aws-service-role/<service>/). */
export function serviceOfRole(role: Pick<RoleRecord, 'path'>): string | undefined {
  if (!isServiceLinkedRole(role)) return undefined;
  const service = role.path.slice(SERVICE_ROLE_PATH.length).split('/')[0];
  return service || undefined;
}

function protectedRole(role: RoleRecord): IamError {
  return new IamError(
    'UnmodifiableEntity',
    `Cannot perform the operation on the protected role '${role.name}' - this role is only modifiable by AWS`,
  );
}

/** Refuses changes AWS keeps for itself on service-linked roles. */
export function assertModifiableRole(role: RoleRecord): void {
  if (isServiceLinkedRole(role)) throw protectedRole(role);
}

/**
 * A service principal no service-linked role is defined for. Not confirmed against AWS: the API
 * reference lists NoSuchEntity among CreateServiceLinkedRole's errors, the only entity the call
 * can miss being the service's role definition; the message is ours.
 */
function unknownService(service: string): IamError {
  return new IamError('NoSuchEntity', `No service-linked role is defined for the service ${service}.`);
}

const DELETION_TASK_ID = /^task\/aws-service-role\/([^/]+)\/([\w+=,.@-]+)\/[0-9a-f-]{36}$/;

export const serviceLinkedRoleOperations: Record<string, Operation> = {
  async CreateServiceLinkedRole(ctx, input) {
    const service = requiredStr(input, 'AWSServiceName');
    const description = str(input, 'Description');
    const suffix = str(input, 'CustomSuffix');
    const { account } = ctx.caller;
    const spec = ctx.iam.serviceLinkedRoles?.get(service);
    const roleName = spec?.roleName ?? service;
    const name = suffix ? `${roleName}_${suffix}` : roleName;
    const path = `${SERVICE_ROLE_PATH}${service}/`;
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreateServiceLinkedRole', iamArn(account, 'role', path, name), {
        'iam:AWSServiceName': service,
      });
      if (!spec) throw unknownService(service);
      if (suffix && !spec.customSuffixAllowed)
        throw new IamError('InvalidInput', `Custom suffix is not allowed for ${service}`);
      if (await findRole(tx, account, name)) {
        throw new IamError(
          'InvalidInput',
          `Service role name ${name} has been taken in this account, please try a different suffix.`,
        );
      }
      if ((await tx.count(roles, { account })) >= ROLES_QUOTA) {
        // Not confirmed against AWS for CreateServiceLinkedRole: CreateRole's text (ROLES_QUOTA).
        throw new IamError('LimitExceeded', `Cannot exceed quota for RolesPerAccount: ${ROLES_QUOTA}`);
      }
      // The catalog's tests check each policy against the AWS managed policy catalog; one a running
      // catalog lacks (a build of one older than the other) is left off rather than invented.
      const attached = ctx.iam.awsManagedPolicies.get(spec.policyArn) ? [spec.policyArn] : [];
      const role: RoleRecord = {
        account,
        id: newUniqueId('AROA'),
        name,
        path,
        createdAt: isoNow(ctx),
        trustPolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
        }),
        maxSessionDuration: DEFAULT_MAX_SESSION_DURATION,
        tags: [],
        inlinePolicies: {},
        ...(description ? { description } : {}),
      };
      await tx.insert(roles, role);
      for (const [index, arn] of attached.entries()) {
        await tx.insert(policyAttachments, {
          id: `${role.id}|${arn}`,
          account,
          policyArn: arn,
          holderType: 'role',
          holderId: role.id,
          position: index + 1,
        });
      }
      const out = roleOutput(role, 'create', role.trustPolicy);
      if (role.description !== undefined) out.Description = role.description;
      return { Role: out };
    });
  },

  async DeleteServiceLinkedRole(ctx, input) {
    const name = requiredStr(input, 'RoleName');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const existing = await findRole(tx, account, name);
      const service = existing ? serviceOfRole(existing) : undefined;
      const role = await authorizedRole(
        ctx,
        tx,
        'iam:DeleteServiceLinkedRole',
        name,
        service ? { 'iam:AWSServiceName': service } : {},
      );
      if (!service) {
        // Not confirmed against AWS: the wording for a role that is not service-linked.
        throw new IamError('InvalidInput', `Role ${role.name} is not a service-linked role.`);
      }
      if ((await tx.count(instanceProfiles, { role_id: role.id })) > 0) {
        throw new IamError(
          'DeleteConflict',
          'Cannot delete entity, must remove roles from instance profile first.',
        );
      }
      // The service's own policies go with the role (AWS deletes the role and its permissions).
      await tx.deleteWhere(policyAttachments, { holder_id: role.id });
      await tx.delete(roles, role.id);
      await tx.delete(lastUsed, role.id);
      await tx.deleteWhere(serviceAccesses, { principal_id: role.id });
      const task: DeletionTaskRecord = {
        id: `task${SERVICE_ROLE_PATH}${service}/${role.name}/${newRequestId()}`,
        account,
        roleName: role.name,
        service,
        status: 'SUCCEEDED',
      };
      await tx.insert(deletionTasks, task);
      return { DeletionTaskId: task.id };
    });
  },

  async GetServiceLinkedRoleDeletionStatus(ctx, input) {
    const id = requiredStr(input, 'DeletionTaskId');
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const match = DELETION_TASK_ID.exec(id);
      const resource = match ? iamArn(account, 'role', `${SERVICE_ROLE_PATH}${match[1]}/`, match[2]!) : '*';
      await check(
        ctx,
        tx,
        'iam:GetServiceLinkedRoleDeletionStatus',
        resource,
        match ? { 'iam:AWSServiceName': match[1]! } : {},
      );
      // Not confirmed against AWS: the wording for an unknown or malformed task id.
      if (!match) throw new IamError('InvalidInput', `Invalid deletion task id: ${id}`);
      const task = await tx.get(deletionTasks, id);
      if (!task || task.account !== account)
        throw new IamError('NoSuchEntity', `Deletion task ${id} cannot be found.`);
      return { Status: task.status };
    });
  },
};

export const rolesOperations: Record<string, Operation> = {
  ...tagOperations<RoleRecord>({
    noun: 'Role',
    load: (ctx, tx, action, input, context) =>
      authorizedRole(ctx, tx, action, requiredStr(input, 'RoleName'), context),
    table: roles,
  }),
  ...roleOperations,
  ...serviceLinkedRoleOperations,
};
