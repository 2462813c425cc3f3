// The tables the domain keeps, and the columns its queries need. Each adapter's migrations create
// exactly these columns (test/store-contract checks it), with these indexes:
//
//   accounts            alias_lower unique, root_email_lower unique
//   users               (account, name_lower) unique, (account, path), (account, boundary)
//   groups              (account, name_lower) unique, (account, path)
//   group_members       (group_id, user_id) unique, (user_id)
//   roles               (account, name_lower) unique, (account, path), (account, boundary)
//   policies            (account, name_lower) unique, arn unique
//   policy_attachments  (holder_id, policy_arn) unique, (account, policy_arn)
//   access_keys         (account, user_id), (account, id)
//   instance_profiles   (account, name_lower) unique, (account, path), (role_id)
//   mfa_devices         serial_lower unique, (account, owner_id), (account, serial_lower)
//   security_keys       (account, owner_id)
//   sts_sessions        (expires_at)
//   console_sessions    (account, principal_id), (expires_at)
//   last_used           (account, id)
//   service_accesses    (principal_id, id)
//   last_accessed_jobs  (account, id)
//   oidc_providers      arn unique, (account, arn)
//   saml_providers      arn unique, (account, arn)
//   server_certificates (account, name_lower) unique, (account, path)
//   signin_tokens       (expires_at)
//   used_assertions     (expires_at)
//   audit_blocks        (account, sort_key) unique; (last_time)
//   audit_lookups       (account, lookup, sort_key) unique
//   organizations       account unique (the management account)
//   organization_accounts (organization, id), (parent, id)
//   organizational_units (parent, id), (parent, name) unique, (organization, id)
//   create_account_requests (organization, id)
//   organization_policies (organization, type, name) unique
//   organization_policy_targets (target, id), (policy, id), (organization, id)
//   credential_reports, deletion_tasks, throttles: by id only (throttles by last_at too)
//
// Tags stay inside their entity's row: no operation selects by tag.
import type { ConsoleSessionRecord } from './console-sessions.ts';
import type { CredentialReportRecord } from './iam/credential-report.ts';
import type {
  AccessKeyRecord,
  AccountRecord,
  AuditBlockRecord,
  AuditLookupRecord,
  CreateAccountRequestRecord,
  DeletionTaskRecord,
  GroupMemberRecord,
  GroupRecord,
  InstanceProfileRecord,
  LastAccessedJobRecord,
  LastUsedRecord,
  ManagedPolicyRecord,
  MfaDeviceRecord,
  OidcProviderRecord,
  OrganizationAccountRecord,
  OrganizationalUnitRecord,
  OrganizationPolicyRecord,
  OrganizationPolicyTargetRecord,
  OrganizationRecord,
  PolicyAttachmentRecord,
  RoleRecord,
  SamlProviderRecord,
  SecurityKeyRecord,
  ServerCertificateRecord,
  ServiceAccessRecord,
  SigninTokenRecord,
  ThrottleRecord,
  UsedAssertionRecord,
  UserRecord,
} from './records.ts';
import type { SessionRecord } from './sts/sessions.ts';
import { table } from './store.ts';

const lower = (text: string | undefined): string | null => (text === undefined ? null : text.toLowerCase());

export const accounts = table<AccountRecord>({
  name: 'accounts',
  id: (r) => r.id,
  columns: {
    account: (r) => r.id,
    alias_lower: (r) => lower(r.alias),
    root_email_lower: (r) => r.rootEmail.toLowerCase(),
  },
  revisioned: true,
});

export const users = table<UserRecord>({
  name: 'users',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    name_lower: (r) => r.name.toLowerCase(),
    path: (r) => r.path,
    boundary: (r) => r.permissionsBoundary ?? null,
  },
  revisioned: true,
});

export const groups = table<GroupRecord>({
  name: 'groups',
  id: (r) => r.id,
  columns: { account: (r) => r.account, name_lower: (r) => r.name.toLowerCase(), path: (r) => r.path },
  revisioned: true,
});

export const groupMembers = table<GroupMemberRecord>({
  name: 'group_members',
  id: (r) => r.id,
  columns: { account: (r) => r.account, group_id: (r) => r.groupId, user_id: (r) => r.userId },
  revisioned: true,
});

export const roles = table<RoleRecord>({
  name: 'roles',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    name_lower: (r) => r.name.toLowerCase(),
    path: (r) => r.path,
    boundary: (r) => r.permissionsBoundary ?? null,
  },
  revisioned: true,
});

export const policies = table<ManagedPolicyRecord>({
  name: 'policies',
  id: (r) => r.id,
  columns: { account: (r) => r.account, name_lower: (r) => r.name.toLowerCase(), arn: (r) => r.arn },
  revisioned: true,
});

export const policyAttachments = table<PolicyAttachmentRecord>({
  name: 'policy_attachments',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    policy_arn: (r) => r.policyArn,
    holder_id: (r) => r.holderId,
    holder_type: (r) => r.holderType,
    position: (r) => r.position,
  },
  revisioned: true,
});

export const accessKeys = table<AccessKeyRecord>({
  name: 'access_keys',
  id: (r) => r.id,
  columns: { account: (r) => r.account, user_id: (r) => r.userId ?? null, position: (r) => r.position },
  revisioned: true,
});

export const instanceProfiles = table<InstanceProfileRecord>({
  name: 'instance_profiles',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    name_lower: (r) => r.name.toLowerCase(),
    path: (r) => r.path,
    role_id: (r) => r.roleId ?? null,
  },
  revisioned: true,
});

// MFA devices change with every code checked (replay guard, throttle): not revisioned, and
// nothing cached depends on them.
export const mfaDevices = table<MfaDeviceRecord>({
  name: 'mfa_devices',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    serial_lower: (r) => r.serialNumber.toLowerCase(),
    owner_id: (r) => r.ownerId ?? null,
    status: (r) => (r.type === 'u2f' ? 'u2f' : r.enabledAt !== undefined ? 'assigned' : 'unassigned'),
  },
  revisioned: false,
});

export const securityKeys = table<SecurityKeyRecord>({
  name: 'security_keys',
  id: (r) => r.id,
  columns: { account: (r) => r.account, owner_id: (r) => r.ownerId },
  revisioned: false,
});

export const stsSessions = table<SessionRecord>({
  name: 'sts_sessions',
  id: (r) => r.accessKeyId,
  columns: { account: (r) => r.account, expires_at: (r) => r.expiresAt },
  revisioned: false,
});

export const consoleSessions = table<ConsoleSessionRecord>({
  name: 'console_sessions',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    principal_id: (r) => r.principal.id,
    expires_at: (r) => r.expiresAt,
  },
  revisioned: false,
});

export const lastUsed = table<LastUsedRecord>({
  name: 'last_used',
  id: (r) => r.id,
  columns: { account: (r) => r.account },
  revisioned: false,
});

export const serviceAccesses = table<ServiceAccessRecord>({
  name: 'service_accesses',
  id: (r) => r.id,
  columns: { account: (r) => r.account, principal_id: (r) => r.principalId },
  revisioned: false,
});

export const lastAccessedJobs = table<LastAccessedJobRecord>({
  name: 'last_accessed_jobs',
  id: (r) => r.id,
  columns: { account: (r) => r.account },
  revisioned: false,
});

export const credentialReports = table<CredentialReportRecord>({
  name: 'credential_reports',
  id: (r) => r.account,
  columns: { account: (r) => r.account },
  revisioned: false,
});

export const deletionTasks = table<DeletionTaskRecord>({
  name: 'deletion_tasks',
  id: (r) => r.id,
  columns: { account: (r) => r.account },
  revisioned: false,
});

// The last_at column keeps its first name; it orders counts by when they are forgotten: the time
// less an hour, which for a count forgotten an hour after its last failure (the built-in
// throttles', and every count of the first releases) is that failure's time.
export const throttles = table<ThrottleRecord>({
  name: 'throttles',
  id: (r) => r.id,
  columns: { last_at: (r) => (r.forgetAt === undefined ? r.lastAt : r.forgetAt - 60 * 60_000) },
  revisioned: false,
});

// Identity providers are read by the calls that present their tokens, never by a remembered
// authorization: not revisioned.
export const oidcProviders = table<OidcProviderRecord>({
  name: 'oidc_providers',
  id: (r) => r.id,
  columns: { account: (r) => r.account, arn: (r) => r.arn },
  revisioned: false,
});

export const samlProviders = table<SamlProviderRecord>({
  name: 'saml_providers',
  id: (r) => r.id,
  columns: { account: (r) => r.account, arn: (r) => r.arn },
  revisioned: false,
});

// Server certificates are read by their own operations only, never by authorization: not revisioned.
export const serverCertificates = table<ServerCertificateRecord>({
  name: 'server_certificates',
  id: (r) => r.id,
  columns: { account: (r) => r.account, name_lower: (r) => r.name.toLowerCase(), path: (r) => r.path },
  revisioned: false,
});

export const signinTokens = table<SigninTokenRecord>({
  name: 'signin_tokens',
  id: (r) => r.id,
  columns: { account: (r) => r.account, expires_at: (r) => r.expiresAt },
  revisioned: false,
});

export const usedAssertions = table<UsedAssertionRecord>({
  name: 'used_assertions',
  id: (r) => r.id,
  columns: { expires_at: (r) => r.expiresAt },
  revisioned: false,
});

export const auditBlocks = table<AuditBlockRecord>({
  name: 'audit_blocks',
  id: (r) => r.id,
  columns: { account: (r) => r.account, sort_key: (r) => r.sortKey, last_time: (r) => r.lastTime },
  revisioned: false,
});

export const auditLookups = table<AuditLookupRecord>({
  name: 'audit_lookups',
  id: (r) => r.id,
  columns: { account: (r) => r.account, lookup: (r) => r.lookup ?? null, sort_key: (r) => r.sortKey },
  revisioned: false,
});

// Organizations: what authorization reads (an account's organization, for aws:PrincipalOrgID and
// aws:ResourceOrgID) is revisioned by the account it is about.
export const organizations = table<OrganizationRecord>({
  name: 'organizations',
  id: (r) => r.id,
  columns: { account: (r) => r.account },
  revisioned: true,
});

export const organizationAccounts = table<OrganizationAccountRecord>({
  name: 'organization_accounts',
  id: (r) => r.id,
  columns: { account: (r) => r.account, organization: (r) => r.organization, parent: (r) => r.parent },
  revisioned: true,
});

// An account's OU path is read through its membership row (which moves its revision when the
// account moves); an OU's own path never changes, so its rows need not be revisioned.
export const organizationalUnits = table<OrganizationalUnitRecord>({
  name: 'organizational_units',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    organization: (r) => r.organization,
    parent: (r) => r.parent,
    name: (r) => r.name,
  },
  revisioned: false,
});

export const createAccountRequests = table<CreateAccountRequestRecord>({
  name: 'create_account_requests',
  id: (r) => r.id,
  columns: { account: (r) => r.account, organization: (r) => r.organization, state: (r) => r.state },
  revisioned: false,
});

// Organizations policies and where they are attached. An account's service control policies are
// read with its membership: every change to them rewrites the affected members' rows (which moves
// their revisions), so these rows need not be revisioned.
export const organizationPolicies = table<OrganizationPolicyRecord>({
  name: 'organization_policies',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    organization: (r) => r.organization,
    type: (r) => r.type,
    name: (r) => r.name,
  },
  revisioned: false,
});

export const organizationPolicyTargets = table<OrganizationPolicyTargetRecord>({
  name: 'organization_policy_targets',
  id: (r) => r.id,
  columns: {
    account: (r) => r.account,
    organization: (r) => r.organization,
    policy: (r) => r.policy,
    target: (r) => r.target,
    type: (r) => r.type,
  },
  revisioned: false,
});

/** Every table, in the order their rows may be removed. */
export const ALL_TABLES = [
  organizationPolicyTargets,
  organizationPolicies,
  createAccountRequests,
  organizationAccounts,
  organizationalUnits,
  organizations,
  auditLookups,
  auditBlocks,
  usedAssertions,
  signinTokens,
  oidcProviders,
  samlProviders,
  serverCertificates,
  consoleSessions,
  stsSessions,
  throttles,
  lastUsed,
  serviceAccesses,
  lastAccessedJobs,
  credentialReports,
  deletionTasks,
  securityKeys,
  mfaDevices,
  accessKeys,
  policyAttachments,
  groupMembers,
  instanceProfiles,
  policies,
  roles,
  groups,
  users,
  accounts,
] as const;
