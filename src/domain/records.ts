// What the domain keeps in the Store: one record type per table (tables.ts). Records refer to
// each other by immutable id, never by name: a group member names the user's id, a key its
// owner's id, a session its principal's id. Names keep the case they were created with; their
// uniqueness regardless of case is a unique column.

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface AccountRecord {
  readonly id: string;
  readonly rootEmail: string;
  readonly rootPasswordHash: string;
  readonly createdAt: string;
  alias?: string;
  passwordPolicy?: PasswordPolicy;
  /** The root user's last console sign-in (GetUser, the credential report). */
  rootPasswordLastUsed?: string;
  /**
   * When a member account's root password was set by CreateLoginProfile in a root session
   * (AssumeRoot); absent for the password given at bootstrap.
   */
  rootPasswordCreatedAt?: string;
  /** Portcullis's MFA features beyond AWS's, each off until an administrator turns it on. */
  mfaOptions?: MfaOptions;
  /** The root user's MFA recovery codes (MfaOptions.recoveryCodes), as keyed hashes. */
  rootRecoveryCodes?: RecoveryCodeSet;
}

/**
 * A user's (or the root user's) MFA recovery codes, one-time codes usable at the console's MFA
 * step (domain/portcullis/recovery-codes.ts): the unused codes' keyed hashes, never the codes.
 */
export interface RecoveryCodeSet {
  /** The sealer's MAC of each unused code, bound to its owner; a used code's hash is removed. */
  hashes: string[];
  readonly generatedAt: string;
  /** When a code (of this set or an earlier one) was last used to sign in: shown to administrators. */
  lastUsedAt?: string;
}

/**
 * The account's MFA features that AWS does not have (portcullis:GetAccountMfaOptions,
 * portcullis:UpdateAccountMfaOptions). Absent means off.
 */
export interface MfaOptions {
  /** Ten one-time recovery codes at MFA enrolment, usable at the sign-in's MFA step. */
  recoveryCodes?: boolean;
  /** Administrators allowed portcullis:ResetUserMFA may reset a user's MFA; the user enrols again. */
  adminReset?: boolean;
  /** Groups' MFA enrolment grace periods are enforced at console sign-in. */
  enrolmentGracePeriods?: boolean;
  /**
   * A stricter sign-in lockout than the built-in back-off: locked after this many wrong passwords
   * or codes for a user; administrators allowed portcullis:UnlockUserSignIn may unlock.
   */
  lockout?: { readonly failures: number };
  /** Unassigned virtual MFA devices older than this many hours are deleted. */
  orphanedDeviceHours?: number;
}

export interface PasswordPolicy {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry: boolean;
}

/** Users, groups and roles hold inline policies in their own record; attachments are rows of their own. */
export interface PolicyHolder {
  /** Inline policy name → document text as given. */
  inlinePolicies: Record<string, string>;
}

export interface UserRecord extends PolicyHolder {
  readonly account: string;
  readonly id: string;
  name: string;
  path: string;
  readonly createdAt: string;
  tags: Tag[];
  permissionsBoundary?: string;
  /** The last console sign-in (rare enough to be kept with the user, and seen with it). */
  passwordLastUsed?: string;
  loginProfile?: LoginProfile;
  signingCertificates?: SigningCertificate[];
  sshPublicKeys?: SshPublicKey[];
  serviceCredentials?: ServiceCredential[];
  /** MFA recovery codes (MfaOptions.recoveryCodes), as keyed hashes. */
  recoveryCodes?: RecoveryCodeSet;
  /** The last administrator MFA reset (portcullis:ResetUserMFA), kept after the user enrols again. */
  mfaReset?: MfaResetRecord;
  /**
   * Console sign-ins made without MFA while a group's enrolment grace period applied (newest last,
   * at most MFA_GRACE_SIGN_INS_KEPT): a period "within N sign-ins" counts those since the user
   * became subject to it (domain/portcullis/mfa-enrolment.ts).
   */
  mfaGraceSignIns?: string[];
}

/** Who reset a user's MFA and when; enrolmentRequired until the user has an MFA device again. */
export interface MfaResetRecord {
  /** The administrator's ARN. */
  readonly by: string;
  readonly at: string;
  enrolmentRequired: boolean;
}

export interface LoginProfile {
  passwordHash: string;
  readonly createdAt: string;
  passwordChangedAt: string;
  passwordResetRequired: boolean;
  /** Hashes of earlier passwords, newest first, for PasswordReusePrevention. */
  previousHashes: string[];
}

export interface SigningCertificate {
  readonly id: string;
  readonly body: string;
  status: 'Active' | 'Inactive';
  readonly uploadedAt: string;
}

export interface SshPublicKey {
  readonly id: string;
  readonly body: string;
  readonly fingerprint: string;
  status: 'Active' | 'Inactive';
  readonly uploadedAt: string;
}

export interface ServiceCredential {
  readonly id: string;
  readonly serviceName: string;
  readonly serviceUserName: string;
  readonly sealedPassword: string;
  status: 'Active' | 'Inactive';
  readonly createdAt: string;
}

export interface GroupRecord extends PolicyHolder {
  readonly account: string;
  readonly id: string;
  name: string;
  path: string;
  readonly createdAt: string;
  /** Members must enrol MFA within this grace period (Portcullis's own, PutGroupMfaGracePeriod). */
  mfaGracePeriod?: MfaGracePeriod;
}

/** An enrolment grace period: within `days` days and/or `signIns` console sign-ins. */
export interface MfaGracePeriod {
  readonly days?: number;
  readonly signIns?: number;
  /** When the period was first set (changing its length keeps it: the clock does not restart). */
  readonly since: string;
}

/** A user's membership of a group. */
export interface GroupMemberRecord {
  /** "<group id>/<user id>". */
  readonly id: string;
  readonly account: string;
  readonly groupId: string;
  readonly userId: string;
  /** When the user joined (memberships made before this was recorded have none). */
  readonly joinedAt?: string;
}

export interface RoleRecord extends PolicyHolder {
  readonly account: string;
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly createdAt: string;
  /** The trust policy as given. */
  trustPolicy: string;
  /**
   * The user and role ARNs the trust policy names, bound to the unique ids they had when the
   * policy was saved (as AWS does): the policy trusts those ids, never a later principal of the
   * same name.
   */
  trustPrincipals?: Record<string, string>;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  permissionsBoundary?: string;
}

export interface PolicyVersionRecord {
  readonly versionId: string;
  readonly document: string;
  readonly createdAt: string;
}

export interface ManagedPolicyRecord {
  readonly account: string;
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  readonly createdAt: string;
  updatedAt: string;
  description?: string;
  defaultVersionId: string;
  versions: PolicyVersionRecord[];
  /** The next version number to hand out (versions are never renumbered). */
  nextVersion: number;
  tags: Tag[];
}

/** A managed policy (customer or AWS managed, by ARN) attached to a user, group or role. */
export interface PolicyAttachmentRecord {
  /** "<holder id>|<policy ARN>". */
  readonly id: string;
  readonly account: string;
  readonly policyArn: string;
  readonly holderType: 'user' | 'group' | 'role';
  readonly holderId: string;
  /** Attachment order among the holder's policies. */
  readonly position: number;
}

export interface AccessKeyRecord {
  readonly account: string;
  readonly id: string;
  /** The owning IAM user's id; absent for the root user's keys. */
  readonly userId?: string;
  /** Sealed with the master key; opened only to verify a signature. */
  readonly sealedSecret: string;
  status: 'Active' | 'Inactive';
  readonly createdAt: string;
  /** Creation order among the owner's keys (creation times are whole seconds). */
  readonly position: number;
}

/**
 * An MFA device: a virtual (TOTP) device, or a FIDO security key's device (type 'u2f',
 * registered in the console: enabled from its creation, no seed).
 */
export interface MfaDeviceRecord {
  /** Internal: a re-created device of the same serial number is another device. */
  readonly id: string;
  readonly account: string;
  /** arn:aws:iam::<account>:mfa<path><name>, or …:u2f/user/<UserName>/<name>-<suffix> */
  readonly serialNumber: string;
  readonly name: string;
  readonly path: string;
  readonly createdAt: string;
  readonly type?: 'virtual' | 'u2f';
  /** Sealed with context `mfa-seed:<serialNumber>` (virtual devices only). */
  readonly sealedSeed?: string;
  /** Whose device it is while enabled: an IAM user's id, or "root". */
  ownerId?: string;
  enabledAt?: string;
  /** When DeactivateMFADevice last left it unassigned (the orphaned-device janitor counts from it). */
  unassignedAt?: string;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  lastUsedStep?: number;
  /** Consecutive wrong codes, and when the last one came, for throttling. */
  failures?: { count: number; lastAt: string };
  tags: Tag[];
}

/** The owner id of the root user's MFA devices and security keys. */
export const ROOT_OWNER = 'root';

export interface InstanceProfileRecord {
  readonly account: string;
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly createdAt: string;
  /** The role in the profile (AWS allows at most one), by id. */
  roleId?: string;
  tags: Tag[];
}

/** A FIDO security key's WebAuthn credential; its MFA device is an MfaDeviceRecord of type 'u2f'. */
export interface SecurityKeyRecord {
  /** The credential id (base64url), unique to the authenticator's registration. */
  readonly id: string;
  readonly account: string;
  /** The IAM user's unique id, or "root". */
  readonly ownerId: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  counter: number;
  readonly transports?: string[];
  readonly name: string;
  readonly createdAt: string;
  lastUsedAt?: string;
  /** The key's MFA device serial number (arn:aws:iam::<account>:u2f/…). */
  readonly serialNumber?: string;
}

/**
 * When an access key (with region and service) or a role (with region) was last used, by its id.
 * Kept apart from the records they describe: use, frequent as it is, is never a change to what
 * authorization reads.
 */
export interface LastUsedRecord {
  readonly id: string;
  readonly account: string;
  readonly date: string;
  readonly region?: string;
  readonly service?: string;
}

/**
 * When a principal (a user or role, by its id) last attempted to use an AWS service, or one of
 * the service's tracked actions: the record of use the last accessed reports are derived from
 * (service-uses.ts). Kept apart from the principal's record, as LastUsedRecord is.
 */
export interface ServiceAccessRecord {
  /** "<principal id>|<service namespace>", or "…|<namespace>|<action>" for a tracked action. */
  readonly id: string;
  readonly account: string;
  readonly principalId: string;
  /** The service namespace (iam, sts, organizations). */
  readonly service: string;
  /** The tracked action as AWS names it (CreateUser), for an action's row. */
  readonly action?: string;
  readonly date: string;
  readonly region: string;
}

/**
 * A service last accessed report (GenerateServiceLastAccessedDetails), made when asked for and
 * kept whole, so any node answers GetServiceLastAccessedDetails from the same report.
 */
export interface LastAccessedJobRecord {
  /** The JobId (a UUID, as AWS's). */
  readonly id: string;
  readonly account: string;
  /** Who asked for it (the caller's aws:userid: AIDA…, AROA…:session, or the account for root). */
  readonly requester: string;
  readonly arn: string;
  readonly granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL';
  readonly status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly createdAt: string;
  readonly completedAt: string;
  /** The users and roles whose use the report counts (a group's members, a policy's holders). */
  readonly entities: readonly LastAccessedEntity[];
  readonly services: readonly LastAccessedService[];
}

export interface LastAccessedEntity {
  readonly id: string;
  readonly type: 'USER' | 'ROLE';
  readonly name: string;
  readonly path: string;
  readonly arn: string;
}

/** One allowed service of a report, with when each of the report's entities last used it. */
export interface LastAccessedService {
  readonly namespace: string;
  readonly name: string;
  /** Each entity's last use, by its index in the report's entities, most recent first. */
  readonly uses: readonly { readonly entity: number; readonly date: string; readonly region: string }[];
  /** Per tracked action (ACTION_LEVEL reports of services tracked per action), most recent use. */
  readonly actions?: readonly {
    readonly name: string;
    readonly use?: { readonly entity: number; readonly date: string; readonly region: string };
  }[];
}

/** A service-linked role deletion started by DeleteServiceLinkedRole. */
export interface DeletionTaskRecord {
  readonly id: string;
  readonly account: string;
  readonly roleName: string;
  readonly service: string;
  readonly status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED' | 'NOT_STARTED';
}

/** Failures counted against one key (a sign-in name, an address), for back-off. */
export interface ThrottleRecord {
  readonly id: string;
  readonly failures: number;
  /** Epoch milliseconds of the last failure. */
  readonly lastAt: number;
  /** Epoch milliseconds when the count is forgotten; absent: an hour after the last failure. */
  readonly forgetAt?: number;
}

/** An OpenID Connect identity provider (CreateOpenIDConnectProvider): an issuer the account trusts. */
export interface OidcProviderRecord {
  readonly id: string;
  readonly account: string;
  /** arn:aws:iam::<account>:oidc-provider/<the URL without its https:// scheme>. */
  readonly arn: string;
  /** The issuer's URL as registered, https:// included (the token's `iss`). */
  readonly url: string;
  clientIds: string[];
  /** SHA-1 fingerprints (40 hex digits) of the certificates the issuer's TLS may chain to. */
  thumbprints: string[];
  readonly createdAt: string;
  tags: Tag[];
}

/** A SAML identity provider (CreateSAMLProvider): an IdP whose signed assertions the account trusts. */
export interface SamlProviderRecord {
  readonly id: string;
  readonly account: string;
  /** arn:aws:iam::<account>:saml-provider/<name>. */
  readonly arn: string;
  readonly name: string;
  /** The IdP's metadata document as uploaded: its signing certificates verify assertions. */
  metadataDocument: string;
  /** When the metadata stops being valid (its validUntil, or AWS's default). */
  validUntil: string;
  readonly createdAt: string;
  tags: Tag[];
  /** The metadata's entityID, read when it was uploaded. */
  entityId?: string;
  /** The metadata's signing certificates (DER, base64), read when it was uploaded. */
  signingCertificates?: string[];
  /** Whether assertions must come encrypted (AssertionEncryptionMode); AWS's default is Allowed. */
  assertionEncryptionMode?: 'Required' | 'Allowed';
  /** Private keys that decrypt assertions (at most 2), sealed with the master key. */
  privateKeys?: SamlPrivateKey[];
}

export interface SamlPrivateKey {
  readonly keyId: string;
  /** Sealed with context `saml-private-key:<provider id>:<keyId>`. */
  readonly sealedKey: string;
  readonly addedAt: string;
}

/**
 * A server certificate (UploadServerCertificate): an X.509 certificate with its private key and
 * chain, for TLS termination elsewhere. The private key is never returned, only kept sealed.
 */
export interface ServerCertificateRecord {
  /** The ServerCertificateId (ASCA…): immutable, unlike the name and path. */
  readonly id: string;
  readonly account: string;
  name: string;
  path: string;
  /** The certificate body and chain as uploaded (PEM; public). */
  readonly body: string;
  readonly chain?: string;
  /** Sealed with context `server-certificate-key:<id>`. */
  readonly sealedPrivateKey: string;
  readonly uploadedAt: string;
  /** The certificate's notAfter. */
  readonly expiration: string;
  tags: Tag[];
}

/**
 * A console sign-in token of the federation endpoint (Action=getSigninToken): it stands for the
 * temporary credentials it was made from, for 15 minutes, and signs in once.
 */
export interface SigninTokenRecord {
  /** A hash of the token: the token itself is never stored. */
  readonly id: string;
  readonly account: string;
  /** The temporary credentials' access key id (a session in sts_sessions). */
  readonly sessionAccessKeyId: string;
  readonly expiresAt: string;
  /** The console session's length asked for (SessionDuration, seconds); absent: the credentials' own. */
  readonly sessionDuration?: number;
}

/** A SAML assertion already exchanged for credentials, kept until it expires so it is accepted once. */
export interface UsedAssertionRecord {
  /** A hash of the issuer and the assertion's ID. */
  readonly id: string;
  readonly expiresAt: string;
}

/**
 * One CloudTrail event of the audit trail (audit/): the event as CloudTrail records it, and what
 * LookupEvents filters and answers with. Built from a block's entry when it is read; stored whole
 * only by schema version 6 and earlier (such events live on as blocks of one, `legacy`).
 */
export interface AuditEventRecord {
  /** The eventID. */
  readonly id: string;
  /** The account the event belongs to (recipientAccountId): the only account that sees it. */
  readonly account: string;
  /** Newest first: the inverted event time (ms) then the id. */
  readonly sortKey: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly readOnly: boolean;
  readonly username?: string;
  readonly accessKeyId?: string;
  readonly resources: readonly { readonly type: string; readonly name: string }[];
  /** The CloudTrail record (eventVersion, userIdentity, requestParameters…), secrets redacted. */
  readonly event: Readonly<Record<string, unknown>>;
}

/**
 * A block of the audit trail: one account's events from one node's batch, all within a short span
 * of time, stored as one row (the entries as written) with one lookup row per distinct attribute
 * value (AuditLookupRecord) — so that recording a call costs a share of one insert, not an insert
 * into a row and its indexes.
 */
export interface AuditBlockRecord {
  readonly id: string;
  readonly account: string;
  /** Newest first by the block's first event: the inverted time (ms) of that event, then the id. */
  readonly sortKey: string;
  /** The time of its newest event, whole seconds (the retention sweep's order). */
  readonly lastTime: string;
  /** How many lookup rows it has: their ids are `<block id>:0` up to this. */
  readonly lookups: number;
  /** The events, a JSON array of AuditEntry (each with its eventId). */
  readonly entries?: string;
  /** An event stored by schema version 6 or earlier, moved here whole. */
  readonly legacy?: AuditEventRecord;
}

/** A block holds events with this LookupEvents attribute value (`<AttributeKey>:<value>`). */
export interface AuditLookupRecord {
  readonly id: string;
  readonly account: string;
  /** `<AttributeKey>:<value>`; absent from rows moved by the version-7 migration (column only). */
  readonly lookup?: string;
  /** The block's sortKey. */
  readonly sortKey: string;
  readonly block: string;
}

/** An AWS Organizations organization (all features): its management account and its one root. */
export interface OrganizationRecord {
  /** o-… */
  readonly id: string;
  /** The management account. */
  readonly account: string;
  readonly managementEmail: string;
  readonly featureSet: 'ALL' | 'CONSOLIDATED_BILLING';
  /** r-…: every organization has exactly one root, made with it. */
  readonly rootId: string;
  readonly createdAt: string;
  /** The policy types enabled on the root (EnablePolicyType): SERVICE_CONTROL_POLICY, or none. */
  readonly policyTypes?: readonly string[];
  /** Service principals given trusted access (EnableAWSServiceAccess), e.g. iam.amazonaws.com. */
  readonly trustedServices?: readonly TrustedService[];
  /** IAM's centralized root access features enabled for the member accounts (ListOrganizationsFeatures). */
  readonly rootAccessFeatures?: readonly RootAccessFeature[];
  /** The root's tags (TagResource on r-…); absent until first tagged. */
  readonly rootTags?: readonly Tag[];
}

export interface TrustedService {
  readonly principal: string;
  readonly enabledAt: string;
}

export type RootAccessFeature = 'RootCredentialsManagement' | 'RootSessions';

/** An account's membership of an organization (one organization at most, as on AWS). */
export interface OrganizationAccountRecord {
  /** The member account's id. */
  readonly id: string;
  readonly account: string;
  readonly organization: string;
  readonly name: string;
  readonly email: string;
  readonly joinedMethod: 'INVITED' | 'CREATED';
  readonly joinedAt: string;
  /** Where the account sits: the root (r-…) or an organizational unit (ou-…). */
  readonly parent: string;
  /** Set by CloseAccount: the account is closed (AWS keeps it SUSPENDED for 90 days). */
  readonly closedAt?: string;
  /**
   * The account's tags in the organization (TagResource, CreateAccount's Tags): kept in the
   * membership, so they go when the account leaves, as on AWS; absent when never tagged.
   */
  readonly tags?: readonly Tag[];
}

/**
 * An organizational unit (ou-…) of an organization, under the root or another OU. OUs never move
 * (Organizations has no call that moves one), so the path to one is fixed when it is made.
 */
export interface OrganizationalUnitRecord {
  readonly id: string;
  /** The management account. */
  readonly account: string;
  readonly organization: string;
  /** The root (r-…) or the OU (ou-…) it is in. */
  readonly parent: string;
  readonly name: string;
  /** o-…/r-…/ou-…/…/ou-this/: what aws:PrincipalOrgPaths names for the accounts in it. */
  readonly path: string;
  readonly tags: Tag[];
  readonly createdAt: string;
}

/** A CreateAccount request (car-…): IN_PROGRESS until the account is made, then SUCCEEDED or FAILED. */
export interface CreateAccountRequestRecord {
  readonly id: string;
  /** The management account that asked. */
  readonly account: string;
  readonly organization: string;
  readonly accountName: string;
  readonly email: string;
  readonly roleName: string;
  readonly tags: Tag[];
  readonly requestedAt: string;
  state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  completedAt?: string;
  accountId?: string;
  failureReason?: string;
}

/** A customer managed Organizations policy (p-…), of one type (SERVICE_CONTROL_POLICY). */
export interface OrganizationPolicyRecord {
  readonly id: string;
  /** The management account. */
  readonly account: string;
  readonly organization: string;
  readonly type: string;
  readonly name: string;
  readonly description: string;
  readonly content: string;
  readonly tags: Tag[];
}

/** A policy attached to a root, an OU or an account (id: `<policy>/<target>`). */
export interface OrganizationPolicyTargetRecord {
  readonly id: string;
  /** The management account. */
  readonly account: string;
  readonly organization: string;
  /** p-… (p-FullAWSAccess for the AWS managed policy). */
  readonly policy: string;
  /** r-…, ou-… or an account id. */
  readonly target: string;
  /** The policy's type. */
  readonly type: string;
}
