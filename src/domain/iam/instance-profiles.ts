// Instance profiles: CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles,
// DeleteInstanceProfile, AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile,
// ListInstanceProfilesForRole, and their tags.
//
// An instance profile holds at most one role. Adding a role hands it to EC2, so AWS checks
// iam:PassRole on the role (with iam:PassedToService = ec2.amazonaws.com) as well as
// iam:AddRoleToInstanceProfile on the profile (service authorization reference, "API operations"
// table; IAM User Guide, "Grant a user permissions to pass a role to an AWS service").
//
// What AWS returns where (recorded from real AWS in LocalStack's snapshots, test_iam_instance_profiles):
// GetInstanceProfile always carries Roles and Tags (empty lists included); CreateInstanceProfile
// carries Tags only when some were given; the list operations carry no Tags. A role inside a
// profile shows Path, RoleName, RoleId, Arn, CreateDate and AssumeRolePolicyDocument.
import { newUniqueId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { ContextValue } from '../../policy/index.ts';
import type { InstanceProfileRecord, RoleRecord } from '../records.ts';
import { instanceProfiles, roles as rolesTable } from '../tables.ts';
import {
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
import {
  assertModifiableRole,
  authorizedRole,
  findRole,
  noSuchRole,
  roleArnFor,
  roleOutput,
} from './roles.ts';
import { trustPoliciesForDisplay } from './trust-principals.ts';

export type { InstanceProfileRecord };

/**
 * Instance profiles per account (IAM and STS quotas: 1,000 by default). AWS's text when it is
 * reached, "Cannot exceed quota for InstanceProfilesPerAccount: 1000", as recorded in
 * https://github.com/ansible/workshops/issues/1801
 */
export const INSTANCE_PROFILES_QUOTA = 1000;
/**
 * Roles per instance profile (fixed). AWS's text for a second role, "Cannot exceed quota for
 * InstanceSessionsPerInstanceProfile: 1", recorded against AWS in LocalStack's snapshot
 * https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_instance_profiles.snapshot.json
 */
export const ROLES_PER_INSTANCE_PROFILE = 1;
/** The service an instance profile passes its role to. */
export const INSTANCE_PROFILE_SERVICE = 'ec2.amazonaws.com';

export function instanceProfileArn(
  profile: Pick<InstanceProfileRecord, 'account' | 'path' | 'name'>,
): string {
  return iamArn(profile.account, 'instance-profile', profile.path, profile.name);
}

function profileArnFor(account: string, name: string, profile: InstanceProfileRecord | undefined): string {
  return profile ? instanceProfileArn(profile) : iamArn(account, 'instance-profile', '/', name);
}

export function noSuchInstanceProfile(name: string): IamError {
  return new IamError('NoSuchEntity', `Instance Profile ${name} cannot be found.`);
}

export function findInstanceProfile(
  tx: StoreTx,
  account: string,
  name: string,
): Promise<InstanceProfileRecord | undefined> {
  return tx.find(instanceProfiles, { account, name_lower: name.toLowerCase() });
}

/** The InstanceProfile structures of these profiles, with their roles read from the store. */
export async function instanceProfileOutputs(
  tx: StoreTx,
  profiles: readonly InstanceProfileRecord[],
  tags: 'always' | 'when-set' | 'never',
): Promise<Record<string, unknown>[]> {
  const roleIds = profiles.flatMap((p) => (p.roleId ? [p.roleId] : []));
  const held = new Map((await tx.getMany(rolesTable, roleIds)).map((role) => [role.id, role]));
  const trustOf = await trustPoliciesForDisplay(tx, [...held.values()]);
  return profiles.map((profile) => {
    const role = profile.roleId ? held.get(profile.roleId) : undefined;
    return {
      Path: profile.path,
      InstanceProfileName: profile.name,
      InstanceProfileId: profile.id,
      Arn: instanceProfileArn(profile),
      CreateDate: profile.createdAt,
      Roles: role ? [roleOutput(role, 'instance-profile', trustOf(role))] : [],
      ...(tags === 'always' || (tags === 'when-set' && profile.tags.length > 0)
        ? { Tags: profile.tags }
        : {}),
    };
  });
}

async function instanceProfileOutput(
  tx: StoreTx,
  profile: InstanceProfileRecord,
  tags: 'always' | 'when-set' | 'never',
): Promise<Record<string, unknown>> {
  return (await instanceProfileOutputs(tx, [profile], tags))[0]!;
}

/** Find the profile, authorize on its ARN (its tags as aws:ResourceTag), then NoSuchEntity. */
async function authorizedProfile(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  name: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<InstanceProfileRecord> {
  const profile = await findInstanceProfile(tx, ctx.caller.account, name);
  await check(ctx, tx, action, profileArnFor(ctx.caller.account, name, profile), {
    ...resourceTagContext(profile?.tags),
    ...context,
  });
  if (!profile) throw noSuchInstanceProfile(name);
  return profile;
}

function saveProfile(tx: StoreTx, profile: InstanceProfileRecord): Promise<void> {
  return tx.update(instanceProfiles, profile);
}

export const instanceProfilesOperations: Record<string, Operation> = {
  ...tagOperations<InstanceProfileRecord>({
    noun: 'InstanceProfile',
    load: (ctx, tx, action, input, context) =>
      authorizedProfile(ctx, tx, action, requiredStr(input, 'InstanceProfileName'), context),
    table: instanceProfiles,
  }),
  async CreateInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    const path = str(input, 'Path') ?? '/';
    const tags = tagsOf(input);
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      await check(
        ctx,
        tx,
        'iam:CreateInstanceProfile',
        iamArn(account, 'instance-profile', path, name),
        requestTagContext(tags),
      );
      if (await findInstanceProfile(tx, account, name))
        throw new IamError('EntityAlreadyExists', `Instance Profile ${name} already exists.`);
      if ((await tx.count(instanceProfiles, { account })) >= INSTANCE_PROFILES_QUOTA) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for InstanceProfilesPerAccount: ${INSTANCE_PROFILES_QUOTA}`,
        );
      }
      const profile: InstanceProfileRecord = {
        account,
        id: newUniqueId('AIPA'),
        name,
        path,
        createdAt: isoNow(ctx),
        tags,
      };
      await tx.insert(instanceProfiles, profile);
      return { InstanceProfile: await instanceProfileOutput(tx, profile, 'when-set') };
    });
  },

  async GetInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    return ctx.iam.store.read(async (tx) => {
      const profile = await authorizedProfile(ctx, tx, 'iam:GetInstanceProfile', name);
      return { InstanceProfile: await instanceProfileOutput(tx, profile, 'always') };
    });
  },

  async ListInstanceProfiles(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListInstanceProfiles', iamArn(account, 'instance-profile', prefix, ''));
      const page = await listPage(tx, instanceProfiles, input, {
        where: { account },
        prefix: { column: 'path', value: prefix },
        orderBy: 'name_lower',
      });
      const profiles = await instanceProfileOutputs(tx, page.items, 'never');
      return pageOutput('InstanceProfiles', { ...page, items: profiles }, (p) => p);
    });
  },

  async DeleteInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    return writeTx(ctx, async (tx) => {
      const profile = await authorizedProfile(ctx, tx, 'iam:DeleteInstanceProfile', name);
      if (profile.roleId !== undefined) {
        throw new IamError(
          'DeleteConflict',
          'Cannot delete entity, must remove roles from instance profile first.',
        );
      }
      await tx.delete(instanceProfiles, profile.id);
      return undefined;
    });
  },

  async AddRoleToInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    const roleName = requiredStr(input, 'RoleName');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const profile = await findInstanceProfile(tx, account, name);
      await check(ctx, tx, 'iam:AddRoleToInstanceProfile', profileArnFor(account, name, profile), {
        ...resourceTagContext(profile?.tags),
      });
      // Handing the role to EC2 is passing it: the caller needs iam:PassRole on the role too.
      const role = await findRole(tx, account, roleName);
      await check(ctx, tx, 'iam:PassRole', roleArnFor(account, roleName, role), {
        ...resourceTagContext(role?.tags),
        'iam:PassedToService': INSTANCE_PROFILE_SERVICE,
      });
      if (!profile) throw noSuchInstanceProfile(name);
      if (!role) throw noSuchRole(roleName);
      assertModifiableRole(role);
      if (profile.roleId !== undefined) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${ROLES_PER_INSTANCE_PROFILE}`,
        );
      }
      profile.roleId = role.id;
      await saveProfile(tx, profile);
      return undefined;
    });
  },

  async RemoveRoleFromInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    const roleName = requiredStr(input, 'RoleName');
    return writeTx(ctx, async (tx) => {
      const profile = await authorizedProfile(ctx, tx, 'iam:RemoveRoleFromInstanceProfile', name);
      const role = await findRole(tx, profile.account, roleName);
      if (!role) throw noSuchRole(roleName);
      assertModifiableRole(role);
      if (profile.roleId !== role.id) {
        throw new IamError('NoSuchEntity', `Role ${roleName} in Instance Profile ${name} cannot be found.`);
      }
      delete profile.roleId;
      await saveProfile(tx, profile);
      return undefined;
    });
  },

  async ListInstanceProfilesForRole(ctx, input) {
    const roleName = requiredStr(input, 'RoleName');
    return ctx.iam.store.read(async (tx) => {
      const role: RoleRecord = await authorizedRole(ctx, tx, 'iam:ListInstanceProfilesForRole', roleName);
      const page = await listPage(tx, instanceProfiles, input, {
        where: { account: role.account, role_id: role.id },
        orderBy: 'name_lower',
      });
      const profiles = await instanceProfileOutputs(tx, page.items, 'never');
      return pageOutput('InstanceProfiles', { ...page, items: profiles }, (p) => p);
    });
  },
};
