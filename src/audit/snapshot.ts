// What an audit reads about one account, gathered by the same calls an auditor makes on AWS
// (GetCredentialReport, GetAccountPasswordPolicy, GetAccountSummary, GetAccountAuthorizationDetails,
// ListVirtualMFADevices, ListServerCertificates, Access Analyzer's ListAnalyzers). Built from the
// JSON those calls answer — as the AWS CLI writes it to a file, or as the AWS SDK returns it — by
// one function, so files exported from an account and the live account give the same verdicts.
import { parseCredentialReport, ReportFormatError, type CredentialRow } from './csv.ts';

export interface PasswordPolicy {
  readonly MinimumPasswordLength?: number;
  readonly RequireSymbols?: boolean;
  readonly RequireNumbers?: boolean;
  readonly RequireUppercaseCharacters?: boolean;
  readonly RequireLowercaseCharacters?: boolean;
  readonly MaxPasswordAge?: number;
  readonly PasswordReusePrevention?: number;
}

/** A policy as attached to a principal, or written inline in it. */
export interface PolicyRef {
  readonly name: string;
  readonly arn?: string;
  /** The parsed document of an inline policy. */
  readonly document?: unknown;
}

export interface Principal {
  readonly kind: 'user' | 'group' | 'role';
  readonly name: string;
  readonly arn: string;
  readonly inline: readonly PolicyRef[];
  readonly attached: readonly PolicyRef[];
  /** A user's groups (by name). */
  readonly groups: readonly string[];
  /** The user's or role's unique id (AIDA…, AROA…); a group's (AGPA…). */
  readonly id?: string;
  /** The ARN of the permissions boundary, when one is set. */
  readonly boundaryArn?: string;
  /** A role's trust policy, parsed. */
  readonly trustPolicy?: unknown;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ManagedPolicy {
  readonly name: string;
  readonly arn: string;
  readonly attachmentCount: number;
  /** The default version's parsed document. */
  readonly document: unknown;
}

export interface AuthorizationDetails {
  readonly users: readonly Principal[];
  readonly groups: readonly Principal[];
  readonly roles: readonly Principal[];
  readonly policies: readonly ManagedPolicy[];
}

export interface VirtualMfaDevice {
  readonly serialNumber: string;
  /** The ARN of the user (or root) it is assigned to, if any. */
  readonly userArn: string | undefined;
}

export interface ServerCertificate {
  readonly name: string;
  readonly arn: string;
  readonly expiration: Date;
}

export interface AccessAnalyzer {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
}

/** One account as read; `undefined` where that input was not given (its checks are skipped). */
export interface AccountSnapshot {
  readonly accountId: string;
  readonly report: { readonly generated: Date | undefined; readonly rows: readonly CredentialRow[] };
  /** `'none'`: the account has no custom policy (GetAccountPasswordPolicy answers NoSuchEntity). */
  readonly passwordPolicy: PasswordPolicy | 'none' | undefined;
  readonly summary: Readonly<Record<string, number>> | undefined;
  readonly authorization: AuthorizationDetails | undefined;
  readonly virtualMfaDevices: readonly VirtualMfaDevice[] | undefined;
  readonly serverCertificates: readonly ServerCertificate[] | undefined;
  readonly accessAnalyzers: readonly AccessAnalyzer[] | undefined;
}

/** Each input as the call answered it: parsed JSON (dates as strings or Dates), or CSV text. */
export interface SnapshotInputs {
  /** The CSV, or GetCredentialReport's answer ({ Content: base64, GeneratedTime, ReportFormat }). */
  readonly credentialReport: string | object;
  readonly authorizationDetails?: object | undefined;
  /** GetAccountPasswordPolicy's answer, or 'none' when it answered NoSuchEntity. */
  readonly passwordPolicy?: object | 'none' | undefined;
  readonly accountSummary?: object | undefined;
  readonly virtualMfaDevices?: object | undefined;
  readonly serverCertificates?: object | undefined;
  readonly accessAnalyzers?: object | undefined;
}

export class InputError extends Error {}

export function buildSnapshot(inputs: SnapshotInputs): AccountSnapshot {
  const report = part('credential report', () => credentialReport(inputs.credentialReport));
  const authorization =
    inputs.authorizationDetails &&
    part('authorization details', () => authorizationDetails(inputs.authorizationDetails!));
  const arns = [...report.rows.map((r) => r.arn), ...(authorization?.users.map((u) => u.arn) ?? [])];
  const accountId = arns.map((arn) => /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1]).find(Boolean) ?? '';
  const { passwordPolicy, accountSummary, virtualMfaDevices, serverCertificates, accessAnalyzers } = inputs;
  return {
    accountId,
    report,
    passwordPolicy:
      passwordPolicy === 'none'
        ? 'none'
        : passwordPolicy &&
          part('password policy', () => field(passwordPolicy, 'PasswordPolicy', 'object') as PasswordPolicy),
    summary:
      accountSummary &&
      part('account summary', () => field(accountSummary, 'SummaryMap', 'object') as Record<string, number>),
    authorization,
    virtualMfaDevices:
      virtualMfaDevices &&
      part('virtual MFA devices', () =>
        list(virtualMfaDevices, 'VirtualMFADevices').map((d) => ({
          serialNumber: text(d, 'SerialNumber'),
          userArn: optional(d, 'User', 'object')
            ? text(field(d, 'User', 'object') as object, 'Arn')
            : undefined,
        })),
      ),
    serverCertificates:
      serverCertificates &&
      part('server certificates', () =>
        list(serverCertificates, 'ServerCertificateMetadataList').map((c) => ({
          name: text(c, 'ServerCertificateName'),
          arn: text(c, 'Arn'),
          expiration: date(field(c, 'Expiration'), 'Expiration'),
        })),
      ),
    accessAnalyzers:
      accessAnalyzers &&
      part('access analyzers', () =>
        list(accessAnalyzers, 'analyzers').map((a) => ({
          name: text(a, 'name'),
          arn: text(a, 'arn'),
          status: text(a, 'status'),
        })),
      ),
  };
}

/** Reads one input; what is wrong with it is said with the input's name. */
function part<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InputError || error instanceof ReportFormatError)
      throw new InputError(`${name}: ${error.message}`);
    throw error;
  }
}

function credentialReport(input: string | object): AccountSnapshot['report'] {
  if (typeof input === 'string') return { generated: undefined, rows: parseCredentialReport(input) };
  // GetCredentialReport's answer as the AWS CLI writes it: the CSV in base64.
  const csv = Buffer.from(text(input, 'Content'), 'base64').toString('utf8');
  const generated = optional(input, 'GeneratedTime')
    ? date(field(input, 'GeneratedTime'), 'GeneratedTime')
    : undefined;
  return { generated, rows: parseCredentialReport(csv) };
}

/** GetAccountAuthorizationDetails' answer (all pages' lists joined), read alone. */
export function readAuthorizationDetails(input: object): AuthorizationDetails {
  return part('authorization details', () => authorizationDetails(input));
}

function authorizationDetails(input: object): AuthorizationDetails {
  const principal = (kind: Principal['kind'], inlineList: string) => (item: object) => ({
    kind,
    name: text(item, kind === 'user' ? 'UserName' : kind === 'group' ? 'GroupName' : 'RoleName'),
    arn: text(item, 'Arn'),
    inline: (optional(item, inlineList, 'array') ? list(item, inlineList) : []).map((p) => ({
      name: text(p, 'PolicyName'),
      document: policyDocument(field(p, 'PolicyDocument')),
    })),
    attached: (optional(item, 'AttachedManagedPolicies', 'array')
      ? list(item, 'AttachedManagedPolicies')
      : []
    ).map((p) => ({ name: text(p, 'PolicyName'), arn: text(p, 'PolicyArn') })),
    groups: optional(item, 'GroupList', 'array') ? (field(item, 'GroupList', 'array') as string[]) : [],
    id: optional(item, `${kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'Role'}Id`, 'string')
      ? text(item, `${kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'Role'}Id`)
      : undefined,
    boundaryArn: optional(item, 'PermissionsBoundary', 'object')
      ? text(field(item, 'PermissionsBoundary', 'object') as object, 'PermissionsBoundaryArn')
      : undefined,
    trustPolicy: optional(item, 'AssumeRolePolicyDocument')
      ? policyDocument(field(item, 'AssumeRolePolicyDocument'))
      : undefined,
    tags: Object.fromEntries(
      (optional(item, 'Tags', 'array') ? list(item, 'Tags') : []).map((t) => [
        text(t, 'Key'),
        text(t, 'Value'),
      ]),
    ),
  });
  return {
    users: list(input, 'UserDetailList').map(principal('user', 'UserPolicyList')),
    groups: list(input, 'GroupDetailList').map(principal('group', 'GroupPolicyList')),
    roles: list(input, 'RoleDetailList').map(principal('role', 'RolePolicyList')),
    policies: list(input, 'Policies').map((p) => {
      const versions = list(p, 'PolicyVersionList');
      const current = versions.find((v) => field(v, 'IsDefaultVersion') === true) ?? versions[0];
      return {
        name: text(p, 'PolicyName'),
        arn: text(p, 'Arn'),
        attachmentCount: Number(field(p, 'AttachmentCount')),
        document: current && policyDocument(field(current, 'Document')),
      };
    }),
  };
}

/**
 * The AWS CLI writes a policy document as JSON; the API (and so the SDK) answers it URL-encoded
 * (IAM API Reference, GetAccountAuthorizationDetails: "URL-encoded compliant with RFC 3986").
 */
export function policyDocument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    try {
      return JSON.parse(decodeURIComponent(value));
    } catch {
      throw new InputError('a policy document is neither JSON nor URL-encoded JSON');
    }
  }
}

type Kind = 'string' | 'object' | 'array' | 'any';

function optional(holder: object, name: string, kind: Kind = 'any'): boolean {
  const value = (holder as Record<string, unknown>)[name];
  return value !== undefined && value !== null && (kind === 'any' || is(value, kind));
}

function is(value: unknown, kind: Kind): boolean {
  if (kind === 'array') return Array.isArray(value);
  if (kind === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return kind === 'any' || typeof value === kind;
}

function field(holder: object, name: string, kind: Kind = 'any'): unknown {
  const value = (holder as Record<string, unknown>)[name];
  if (value === undefined || value === null || !is(value, kind))
    throw new InputError(
      `${name} is missing${kind === 'any' ? '' : ` or not ${kind === 'array' ? 'a list' : `a ${kind}`}`}`,
    );
  return value;
}

function text(holder: object, name: string): string {
  return field(holder, name, 'string') as string;
}

function list(holder: object, name: string): object[] {
  const items = field(holder, name, 'array') as unknown[];
  for (const item of items)
    if (!is(item, 'object')) throw new InputError(`an entry of ${name} is not an object`);
  return items as object[];
}

function date(value: unknown, name: string): Date {
  const parsed = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) throw new InputError(`${name} is not a date`);
  return parsed;
}
