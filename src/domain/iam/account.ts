// The account: CreateAccountAlias, DeleteAccountAlias, ListAccountAliases, GetAccountSummary,
// GetAccountAuthorizationDetails.
//
// AWS's rules (IAM API reference; IAM User Guide "Using an alias for your AWS account ID";
// responses recorded from AWS in LocalStack's snapshots, February 2026):
// - An account has at most one alias; creating another replaces it. Aliases are unique across
//   accounts: EntityAlreadyExists "The account alias <alias> already exists.". Deleting an alias
//   the account does not have is NoSuchEntity "The account alias <alias> cannot be found.".
// - GetAccountSummary answers every key of the SummaryMap with AWS's current quota values.
// - GetAccountAuthorizationDetails lists users, groups, roles and managed policies (customer
//   managed ones, and the AWS managed ones in use in the account) with their policies; documents
//   are URL-encoded as RFC 3986 describes; all four lists page together under one Marker.
//   Users always carry GroupList, AttachedManagedPolicies and Tags, and UserPolicyList only when
//   not empty; groups carry GroupPolicyList and AttachedManagedPolicies; roles carry
//   InstanceProfileList, RolePolicyList, AttachedManagedPolicies, Tags and RoleLastUsed.
// All of these act on no particular resource: they are authorized on "*".
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AwsManagedPolicy } from '../iam.ts';
import { IamError } from '../errors.ts';
import { iamArn, parsePolicyArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import {
  ROOT_OWNER,
  type AccountRecord,
  type GroupRecord,
  type InstanceProfileRecord,
  type LastUsedRecord,
  type ManagedPolicyRecord,
  type PolicyHolder,
  type RoleRecord,
  type UserRecord,
} from '../records.ts';
import {
  accessKeys,
  accounts,
  groupMembers,
  groups as groupsTable,
  instanceProfiles,
  lastUsed,
  mfaDevices,
  oidcProviders,
  policies as policiesTable,
  policyAttachments,
  roles as rolesTable,
  samlProviders,
  serverCertificates,
  users as usersTable,
} from '../tables.ts';
import {
  type Operation,
  check,
  pageOf,
  pageOutput,
  positionalPage,
  requiredStr,
  writeTx,
} from '../operation.ts';
import { userArn } from './users.ts';
import { encodePolicyDocument } from '../policy-documents.ts';
import { trustPoliciesForDisplay } from './trust-principals.ts';

/** AWS's quotas as GetAccountSummary reports them (recorded from AWS, 2026). */
const QUOTAS = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: 1000,
  PoliciesQuota: 1500,
  InstanceProfilesQuota: 1000,
  ServerCertificatesQuota: 20,
  AccessKeysPerUserQuota: 2,
  SigningCertificatesPerUserQuota: 2,
  GroupsPerUserQuota: 10,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  PolicySizeQuota: 6144,
  AssumeRolePolicySizeQuota: 2048,
  VersionsPerPolicyQuota: 5,
  PolicyVersionsInUseQuota: 10000,
  GlobalEndpointTokenVersion: 1,
} as const;

async function loadAccount(tx: StoreTx, account: string): Promise<AccountRecord> {
  const record = await tx.get(accounts, account);
  if (!record) throw new IamError('ServiceFailure', 'The account record is missing.');
  return record;
}

// ---- GetAccountAuthorizationDetails

const ENTITY_TYPES = ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

/** One item of the combined, paged answer. */
interface DetailItem {
  readonly list: 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies';
  readonly key: string;
  readonly value: Record<string, unknown>;
}

function inlinePolicyList(holder: PolicyHolder): Record<string, unknown>[] {
  return Object.entries(holder.inlinePolicies).map(([name, document]) => ({
    PolicyName: name,
    PolicyDocument: encodePolicyDocument(document),
  }));
}

/** What the details of users, groups and roles draw on besides their own records. */
interface Relations {
  /** Attached policy ARNs by holder id, in attachment order. */
  readonly attached: ReadonlyMap<string, readonly string[]>;
  /** Group names by user id. */
  readonly groupsOfUser: ReadonlyMap<string, readonly string[]>;
  readonly profiles: readonly InstanceProfileRecord[];
  readonly rolesById: ReadonlyMap<string, RoleRecord>;
  readonly lastUsed: ReadonlyMap<string, LastUsedRecord>;
  readonly trustOf: (role: RoleRecord) => string;
}

function attachedList(relations: Relations, holderId: string): Record<string, unknown>[] {
  return (relations.attached.get(holderId) ?? []).map((arn) => ({
    PolicyName: parsePolicyArn(arn)?.name ?? arn,
    PolicyArn: arn,
  }));
}

function groupBy<K, V>(items: readonly V[], keyOf: (item: V) => K): Map<K, V[]> {
  const grouped = new Map<K, V[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = grouped.get(key);
    if (list) list.push(item);
    else grouped.set(key, [item]);
  }
  return grouped;
}

function boundaryOutput(arn: string | undefined): Record<string, unknown> {
  return arn
    ? {
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: arn,
        },
      }
    : {};
}

function userDetail(user: UserRecord, relations: Relations): Record<string, unknown> {
  const inline = inlinePolicyList(user);
  return {
    Path: user.path,
    UserName: user.name,
    UserId: user.id,
    Arn: userArn(user),
    CreateDate: user.createdAt,
    ...(inline.length > 0 ? { UserPolicyList: inline } : {}),
    GroupList: [...(relations.groupsOfUser.get(user.id) ?? [])],
    AttachedManagedPolicies: attachedList(relations, user.id),
    ...boundaryOutput(user.permissionsBoundary),
    Tags: user.tags,
  };
}

function groupDetail(group: GroupRecord, relations: Relations): Record<string, unknown> {
  return {
    Path: group.path,
    GroupName: group.name,
    GroupId: group.id,
    Arn: iamArn(group.account, 'group', group.path, group.name),
    CreateDate: group.createdAt,
    GroupPolicyList: inlinePolicyList(group),
    AttachedManagedPolicies: attachedList(relations, group.id),
  };
}

function roleArnOf(role: RoleRecord): string {
  return iamArn(role.account, 'role', role.path, role.name);
}

function roleDetail(role: RoleRecord, relations: Relations): Record<string, unknown> {
  const holding = relations.profiles.filter((p) => p.roleId === role.id);
  const used = relations.lastUsed.get(role.id);
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: roleArnOf(role),
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodePolicyDocument(relations.trustOf(role)),
    InstanceProfileList: holding.map((profile) => {
      const member = profile.roleId ? relations.rolesById.get(profile.roleId) : undefined;
      return {
        Path: profile.path,
        InstanceProfileName: profile.name,
        InstanceProfileId: profile.id,
        Arn: iamArn(profile.account, 'instance-profile', profile.path, profile.name),
        CreateDate: profile.createdAt,
        Roles: member
          ? [
              {
                Path: member.path,
                RoleName: member.name,
                RoleId: member.id,
                Arn: roleArnOf(member),
                CreateDate: member.createdAt,
                AssumeRolePolicyDocument: encodePolicyDocument(relations.trustOf(member)),
              },
            ]
          : [],
      };
    }),
    RolePolicyList: inlinePolicyList(role),
    AttachedManagedPolicies: attachedList(relations, role.id),
    ...boundaryOutput(role.permissionsBoundary),
    Tags: role.tags,
    RoleLastUsed: used ? { LastUsedDate: used.date, Region: used.region } : {},
  };
}

interface PolicyUsage {
  attachments: number;
  boundaries: number;
}

function usageMap(
  attached: ReadonlyMap<string, readonly string[]>,
  users: readonly UserRecord[],
  roles: readonly RoleRecord[],
): Map<string, PolicyUsage> {
  const usage = new Map<string, PolicyUsage>();
  const entry = (arn: string) => {
    let u = usage.get(arn);
    if (!u) usage.set(arn, (u = { attachments: 0, boundaries: 0 }));
    return u;
  };
  for (const arns of attached.values()) for (const arn of arns) entry(arn).attachments++;
  for (const holder of [...users, ...roles]) {
    if (holder.permissionsBoundary) entry(holder.permissionsBoundary).boundaries++;
  }
  return usage;
}

function localPolicyDetail(
  policy: ManagedPolicyRecord,
  usage: PolicyUsage | undefined,
): Record<string, unknown> {
  const versions = [...policy.versions].sort(
    (a, b) => Number.parseInt(b.versionId.slice(1), 10) - Number.parseInt(a.versionId.slice(1), 10),
  );
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: usage?.attachments ?? 0,
    PermissionsBoundaryUsageCount: usage?.boundaries ?? 0,
    IsAttachable: true,
    CreateDate: policy.createdAt,
    UpdateDate: policy.updatedAt,
    PolicyVersionList: versions.map((v) => ({
      Document: encodePolicyDocument(v.document),
      VersionId: v.versionId,
      IsDefaultVersion: v.versionId === policy.defaultVersionId,
      CreateDate: v.createdAt,
    })),
  };
}

/** How long encoding documents runs before other requests get a turn. */
const TURN_MS = 5;

/**
 * An AWS managed policy's detail. Its history can be long (ReadOnlyAccess: 150 documents, 6.6 MB
 * once URL-encoded, about 250 ms to encode), so other requests get a turn every TURN_MS.
 */
async function awsPolicyDetail(
  policy: AwsManagedPolicy,
  documents: ReadonlyMap<string, string>,
  usage: PolicyUsage | undefined,
): Promise<Record<string, unknown>> {
  const versions: Record<string, unknown>[] = [];
  let since = performance.now();
  for (const v of [...policy.versions].reverse()) {
    const document = documents.get(v.versionId);
    if (document === undefined) continue;
    versions.push({
      Document: encodePolicyDocument(document),
      VersionId: v.versionId,
      IsDefaultVersion: v.versionId === policy.defaultVersionId,
      CreateDate: v.createDate,
    });
    if (performance.now() - since >= TURN_MS) {
      await nextTurn();
      since = performance.now();
    }
  }
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: usage?.attachments ?? 0,
    PermissionsBoundaryUsageCount: usage?.boundaries ?? 0,
    IsAttachable: true,
    CreateDate: policy.createDate,
    UpdateDate: policy.updateDate,
    PolicyVersionList: versions,
  };
}

function parseFilter(value: unknown): Set<EntityType> {
  const given = Array.isArray(value) ? (value as unknown[]) : [];
  const wanted = given.filter((v): v is EntityType => ENTITY_TYPES.includes(v as EntityType));
  return new Set(wanted.length > 0 ? wanted : ENTITY_TYPES);
}

// ---- the operations

export const accountOperations: Record<string, Operation> = {
  async CreateAccountAlias(ctx, input) {
    const alias = requiredStr(input, 'AccountAlias');
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreateAccountAlias', '*');
      if (/^[0-9]{12}$/.test(alias)) {
        throw new IamError('ValidationError', 'The account alias cannot be a 12-digit number.');
      }
      // Aliases are unique across accounts.
      if (await tx.find(accounts, { alias_lower: alias.toLowerCase() })) {
        throw new IamError('EntityAlreadyExists', `The account alias ${alias} already exists.`);
      }
      const record = await loadAccount(tx, ctx.caller.account);
      // One alias per account: a new one replaces the old.
      record.alias = alias;
      await tx.update(accounts, record);
      return undefined;
    });
  },

  async DeleteAccountAlias(ctx, input) {
    const alias = requiredStr(input, 'AccountAlias');
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:DeleteAccountAlias', '*');
      const record = await loadAccount(tx, ctx.caller.account);
      if (record.alias !== alias) {
        throw new IamError('NoSuchEntity', `The account alias ${alias} cannot be found.`);
      }
      delete record.alias;
      await tx.update(accounts, record);
      return undefined;
    });
  },

  async ListAccountAliases(ctx, input) {
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListAccountAliases', '*');
      const record = await loadAccount(tx, ctx.caller.account);
      const aliases = record.alias ? [record.alias] : [];
      return pageOutput(
        'AccountAliases',
        positionalPage(aliases, (a) => a, input),
        (a) => a,
      );
    });
  },

  async GetAccountSummary(ctx) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:GetAccountSummary', '*');
      const accountRecord = await loadAccount(tx, account);
      const policies = await tx.list(policiesTable, { where: { account } });
      const devices = await tx.tally(mfaDevices, 'status', { account });
      const enabledDevices = (devices.get('assigned') ?? 0) + (devices.get('u2f') ?? 0);
      return {
        SummaryMap: {
          Users: await tx.count(usersTable, { account }),
          UsersQuota: QUOTAS.UsersQuota,
          Groups: await tx.count(groupsTable, { account }),
          GroupsQuota: QUOTAS.GroupsQuota,
          Roles: await tx.count(rolesTable, { account }),
          RolesQuota: QUOTAS.RolesQuota,
          Policies: policies.length,
          PoliciesQuota: QUOTAS.PoliciesQuota,
          PolicyVersionsInUse: policies.reduce((n, p) => n + p.versions.length, 0),
          PolicyVersionsInUseQuota: QUOTAS.PolicyVersionsInUseQuota,
          VersionsPerPolicyQuota: QUOTAS.VersionsPerPolicyQuota,
          PolicySizeQuota: QUOTAS.PolicySizeQuota,
          InstanceProfiles: await tx.count(instanceProfiles, { account }),
          InstanceProfilesQuota: QUOTAS.InstanceProfilesQuota,
          ServerCertificates: await tx.count(serverCertificates, { account }),
          ServerCertificatesQuota: QUOTAS.ServerCertificatesQuota,
          // OIDC and SAML identity providers together.
          Providers:
            (await tx.count(oidcProviders, { account })) + (await tx.count(samlProviders, { account })),
          MFADevices: enabledDevices + (devices.get('unassigned') ?? 0),
          MFADevicesInUse: enabledDevices,
          AccountMFAEnabled: (await tx.count(mfaDevices, { account, owner_id: ROOT_OWNER })) > 0 ? 1 : 0,
          AccountAccessKeysPresent: (await tx.count(accessKeys, { account, user_id: null })) > 0 ? 1 : 0,
          AccountPasswordPresent: accountRecord.rootPasswordHash ? 1 : 0,
          AccountSigningCertificatesPresent: 0,
          AccessKeysPerUserQuota: QUOTAS.AccessKeysPerUserQuota,
          SigningCertificatesPerUserQuota: QUOTAS.SigningCertificatesPerUserQuota,
          GroupsPerUserQuota: QUOTAS.GroupsPerUserQuota,
          AttachedPoliciesPerUserQuota: QUOTAS.AttachedPoliciesPerUserQuota,
          AttachedPoliciesPerGroupQuota: QUOTAS.AttachedPoliciesPerGroupQuota,
          AttachedPoliciesPerRoleQuota: QUOTAS.AttachedPoliciesPerRoleQuota,
          UserPolicySizeQuota: QUOTAS.UserPolicySizeQuota,
          GroupPolicySizeQuota: QUOTAS.GroupPolicySizeQuota,
          RolePolicySizeQuota: QUOTAS.RolePolicySizeQuota,
          AssumeRolePolicySizeQuota: QUOTAS.AssumeRolePolicySizeQuota,
          GlobalEndpointTokenVersion: QUOTAS.GlobalEndpointTokenVersion,
        },
      };
    });
  },

  async GetAccountAuthorizationDetails(ctx, input) {
    const { account } = ctx.caller;
    const filter = parseFilter(input.Filter);
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:GetAccountAuthorizationDetails', '*');
      const where = { where: { account } };
      const users = await tx.list(usersTable, where);
      const groups = await tx.list(groupsTable, where);
      const roles = await tx.list(rolesTable, where);
      const attachments = await tx.list(policyAttachments, { ...where, orderBy: 'position' });
      const attached = new Map(
        [...groupBy(attachments, (a) => a.holderId)].map(([id, list]) => [id, list.map((a) => a.policyArn)]),
      );
      const groupNames = new Map(groups.map((g) => [g.id, g.name]));
      const memberships = groupBy(await tx.list(groupMembers, where), (m) => m.userId);
      const relations: Relations = {
        attached,
        groupsOfUser: new Map(
          [...memberships].map(([userId, list]) => [
            userId,
            list.flatMap((m) => groupNames.get(m.groupId) ?? []),
          ]),
        ),
        profiles: await tx.list(instanceProfiles, where),
        rolesById: new Map(roles.map((r) => [r.id, r])),
        lastUsed: new Map((await tx.list(lastUsed, where)).map((u) => [u.id, u])),
        trustOf: await trustPoliciesForDisplay(tx, roles),
      };
      const usage = usageMap(attached, users, roles);
      const items: DetailItem[] = [];
      if (filter.has('User')) {
        for (const u of users)
          items.push({
            list: 'UserDetailList',
            key: `1/${u.name.toLowerCase()}`,
            value: userDetail(u, relations),
          });
      }
      if (filter.has('Group')) {
        for (const g of groups)
          items.push({
            list: 'GroupDetailList',
            key: `2/${g.name.toLowerCase()}`,
            value: groupDetail(g, relations),
          });
      }
      if (filter.has('Role')) {
        for (const r of roles) {
          items.push({
            list: 'RoleDetailList',
            key: `3/${r.name.toLowerCase()}`,
            value: roleDetail(r, relations),
          });
        }
      }
      if (filter.has('LocalManagedPolicy')) {
        for (const p of await tx.list(policiesTable, where)) {
          items.push({ list: 'Policies', key: `4/${p.arn}`, value: localPolicyDetail(p, usage.get(p.arn)) });
        }
      }
      if (filter.has('AWSManagedPolicy')) {
        // Only the AWS managed policies in use in the account, as AWS answers, each with its
        // versions newest first (ManagedPolicyDetail: PolicyVersionList, "the versions of the
        // policy") — those whose documents the catalog holds.
        const inUse = [...usage.keys()].filter((arn) => parsePolicyArn(arn)?.account === 'aws').sort();
        for (const arn of inUse) {
          const policy = ctx.iam.awsManagedPolicies.get(arn);
          if (!policy) continue;
          const documents = await ctx.iam.awsManagedPolicies.documents(policy);
          items.push({
            list: 'Policies',
            key: `5/${arn}`,
            value: await awsPolicyDetail(policy, documents, usage.get(arn)),
          });
        }
      }
      items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const page = pageOf(items, (item) => item.key, input);
      const out: Record<string, unknown[]> = {
        UserDetailList: [],
        GroupDetailList: [],
        RoleDetailList: [],
        Policies: [],
      };
      for (const item of page.items) out[item.list]!.push(item.value);
      return {
        ...out,
        IsTruncated: page.isTruncated,
        ...(page.marker ? { Marker: page.marker } : {}),
      };
    });
  },
};
