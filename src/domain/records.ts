// What the domain keeps in the Store: plain JSON records, one kind each. Names keep the case they
// were created with; keys use lower case because IAM names are unique regardless of case.

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
  rootPasswordLastUsed?: string;
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

/** Users, groups and roles share the way they hold policies. */
export interface PolicyHolder {
  /** Managed policy ARNs attached, in attachment order. */
  attachedPolicies: string[];
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
  passwordLastUsed?: string;
  /** Names of the groups the user is in, in the order joined. */
  groups: string[];
  /** Ids of the user's access keys (records of kind access-key, keyed by id), oldest first. */
  accessKeyIds: string[];
  /** Serial numbers of the MFA devices enabled for the user. */
  mfaSerials: string[];
  loginProfile?: LoginProfile;
  signingCertificates?: SigningCertificate[];
  sshPublicKeys?: SshPublicKey[];
  serviceCredentials?: ServiceCredential[];
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
}

export interface RoleRecord extends PolicyHolder {
  readonly account: string;
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly createdAt: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  permissionsBoundary?: string;
  lastUsed?: { date: string; region: string };
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

export interface AccessKeyRecord {
  readonly account: string;
  /** Absent for the root user's keys; kept up to date when the user is renamed. */
  userName: string | undefined;
  readonly id: string;
  /** Sealed with the master key; opened only to verify a signature. */
  readonly sealedSecret: string;
  status: 'Active' | 'Inactive';
  readonly createdAt: string;
  lastUsed?: { date: string; region: string; service: string };
}

export interface GroupMemberRecord {
  readonly groupName: string;
  readonly userName: string;
}

export interface PolicyAttachmentRecord {
  readonly policyArn: string;
  readonly entityType: 'user' | 'group' | 'role';
  readonly entityName: string;
}

/** A virtual MFA device (TOTP). Its seed is sealed with the master key; it is shown once, at creation. */
export interface MfaDeviceRecord {
  readonly account: string;
  /** arn:aws:iam::<account>:mfa<path><name> */
  readonly serialNumber: string;
  readonly name: string;
  readonly path: string;
  readonly createdAt: string;
  /**
   * 'u2f' for a FIDO security key registered in the console (serial
   * arn:aws:iam::<account>:u2f/user/<UserName>/<name>-<suffix>, or …:u2f/root/…): enabled from
   * its creation, no seed. Absent or 'virtual' for a virtual (TOTP) device.
   */
  readonly type?: 'virtual' | 'u2f';
  /** Sealed with context `mfa-seed:<serialNumber>` (virtual devices only). */
  readonly sealedSeed?: string;
  /** Set while the device is enabled for a user (the user's mfaSerials lists it too). */
  userName?: string;
  enabledAt?: string;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  lastUsedStep?: number;
  /** Consecutive wrong codes, and when the last one came, for throttling. */
  failures?: { count: number; lastAt: string };
  tags: Tag[];
}
