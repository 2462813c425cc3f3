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
import { iamArn, key } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { ContextValue } from '../../policy/index.ts';
import type { RoleRecord, Tag } from '../records.ts';
import {
  type Operation,
  type OperationContext,
  check,
  isoNow,
  listPage,
  pageOf,
  pageOutput,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  tagsOf,
  tagOperations,
} from '../operation.ts';
import {
  assertModifiableRole,
  authorizedRole,
  findRole,
  noSuchRole,
  roleArnFor,
  roleOutput,
} from './roles.ts';

/** Kept as kind "instance-profile" under key.entity(account, name). */
export interface InstanceProfileRecord {
  readonly account: string;
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly createdAt: string;
  /** Names of the roles in the profile (AWS allows at most one). */
  roles: string[];
  tags: Tag[];
}

/** Instance profiles per account (IAM and STS quotas: 1,000 by default). */
export const INSTANCE_PROFILES_QUOTA = 1000;
/** Roles per instance profile (fixed). */
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

export async function findInstanceProfile(
  tx: StoreTx,
  account: string,
  name: string,
): Promise<InstanceProfileRecord | undefined> {
  return tx.get<InstanceProfileRecord>('instance-profile', key.entity(account, name));
}

/** The account's instance profiles that hold the role, in name order. */
export async function instanceProfilesHoldingRole(
  tx: StoreTx,
  account: string,
  roleName: string,
): Promise<InstanceProfileRecord[]> {
  const lower = roleName.toLowerCase();
  const found: InstanceProfileRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await tx.list<InstanceProfileRecord>('instance-profile', {
      prefix: key.accountPrefix(account),
      after,
      limit: 500,
    });
    for (const entry of batch) {
      if (entry.value.roles.some((r) => r.toLowerCase() === lower)) found.push(entry.value);
      after = entry.key;
    }
    if (batch.length < 500) return found;
  }
}

/** The InstanceProfile structure, with its roles read from the store. */
export async function instanceProfileOutput(
  tx: StoreTx,
  profile: InstanceProfileRecord,
  tags: 'always' | 'when-set' | 'never',
): Promise<Record<string, unknown>> {
  const roles: Record<string, unknown>[] = [];
  for (const roleName of profile.roles) {
    const role = await findRole(tx, profile.account, roleName);
    if (role) roles.push(roleOutput(role, 'instance-profile'));
  }
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: instanceProfileArn(profile),
    CreateDate: profile.createdAt,
    Roles: roles,
    ...(tags === 'always' || (tags === 'when-set' && profile.tags.length > 0) ? { Tags: profile.tags } : {}),
  };
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

async function saveProfile(tx: StoreTx, profile: InstanceProfileRecord): Promise<void> {
  await tx.put('instance-profile', key.entity(profile.account, profile.name), profile);
}

export const instanceProfilesOperations: Record<string, Operation> = {
  ...tagOperations<InstanceProfileRecord>({
    noun: 'InstanceProfile',
    load: (ctx, tx, action, input, context) =>
      authorizedProfile(ctx, tx, action, requiredStr(input, 'InstanceProfileName'), context),
    save: saveProfile,
  }),
  async CreateInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    const path = str(input, 'Path') ?? '/';
    const tags = tagsOf(input);
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      await check(
        ctx,
        tx,
        'iam:CreateInstanceProfile',
        iamArn(account, 'instance-profile', path, name),
        requestTagContext(tags),
      );
      if (await findInstanceProfile(tx, account, name))
        throw new IamError('EntityAlreadyExists', `Instance Profile ${name} already exists.`);
      if ((await tx.count('instance-profile', key.accountPrefix(account))) >= INSTANCE_PROFILES_QUOTA) {
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
        roles: [],
        tags,
      };
      await saveProfile(tx, profile);
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
      const page = await listPage<InstanceProfileRecord>(
        tx,
        'instance-profile',
        key.accountPrefix(account),
        input,
        (p) => p.path.startsWith(prefix),
      );
      const profiles: Record<string, unknown>[] = [];
      for (const profile of page.items) profiles.push(await instanceProfileOutput(tx, profile, 'never'));
      return pageOutput('InstanceProfiles', { ...page, items: profiles }, (p) => p);
    });
  },

  async DeleteInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    return ctx.iam.store.write(async (tx) => {
      const profile = await authorizedProfile(ctx, tx, 'iam:DeleteInstanceProfile', name);
      if (profile.roles.length > 0) {
        throw new IamError(
          'DeleteConflict',
          'Cannot delete entity, must remove roles from instance profile first.',
        );
      }
      await tx.delete('instance-profile', key.entity(profile.account, profile.name));
      return undefined;
    });
  },

  async AddRoleToInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    const roleName = requiredStr(input, 'RoleName');
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
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
      if (profile.roles.length >= ROLES_PER_INSTANCE_PROFILE) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${ROLES_PER_INSTANCE_PROFILE}`,
        );
      }
      profile.roles.push(role.name);
      await saveProfile(tx, profile);
      return undefined;
    });
  },

  async RemoveRoleFromInstanceProfile(ctx, input) {
    const name = requiredStr(input, 'InstanceProfileName');
    const roleName = requiredStr(input, 'RoleName');
    return ctx.iam.store.write(async (tx) => {
      const profile = await authorizedProfile(ctx, tx, 'iam:RemoveRoleFromInstanceProfile', name);
      const role = await findRole(tx, profile.account, roleName);
      if (!role) throw noSuchRole(roleName);
      assertModifiableRole(role);
      const index = profile.roles.findIndex((r) => r.toLowerCase() === role.name.toLowerCase());
      if (index < 0) {
        throw new IamError('NoSuchEntity', `Role ${roleName} in Instance Profile ${name} cannot be found.`);
      }
      profile.roles.splice(index, 1);
      await saveProfile(tx, profile);
      return undefined;
    });
  },

  async ListInstanceProfilesForRole(ctx, input) {
    const roleName = requiredStr(input, 'RoleName');
    return ctx.iam.store.read(async (tx) => {
      const role: RoleRecord = await authorizedRole(ctx, tx, 'iam:ListInstanceProfilesForRole', roleName);
      const all = await instanceProfilesHoldingRole(tx, role.account, role.name);
      const page = pageOf(all, (p) => key.entity(p.account, p.name), input);
      const profiles: Record<string, unknown>[] = [];
      for (const profile of page.items) profiles.push(await instanceProfileOutput(tx, profile, 'never'));
      return pageOutput('InstanceProfiles', { ...page, items: profiles }, (p) => p);
    });
  },
};
