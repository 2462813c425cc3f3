// One call as CloudTrail records it (CloudTrail record contents, AWS CloudTrail User Guide):
// eventVersion, userIdentity (Root, IAMUser, AssumedRole, FederatedUser, WebIdentityUser,
// SAMLUser), eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
// requestParameters, responseElements, errorCode, errorMessage, requestID, eventID, readOnly,
// eventType, managementEvent, recipientAccountId, eventCategory.
//
// What the protocols hand over (AuditCall) becomes its row at once (toAuditRecord, a few µs), so
// the buffer holds no request's objects (caller, input, output) until the batch is written.
import { randomUUID } from 'node:crypto';
import type { Caller } from '../caller.ts';
import type { Input, Output } from '../operation.ts';
import type { AuditEventRecord } from '../records.ts';
import { redactRequest, redactResponse } from './redact.ts';

/** Who called, when the call had no verified Caller (unsigned STS calls, failed signatures, sign-ins). */
export interface AuditIdentity {
  readonly type: 'Root' | 'IAMUser' | 'WebIdentityUser' | 'SAMLUser' | 'Unknown';
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly identityProvider?: string;
}

export interface AuditCall {
  /** iam, sts, or signin (the console's sign-in steps). */
  readonly service: 'iam' | 'sts' | 'signin';
  readonly eventName: string;
  readonly time: Date;
  readonly region: string;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  readonly requestId: string | undefined;
  /** The account the event belongs to. */
  readonly account: string;
  readonly caller?: Caller;
  readonly identity?: AuditIdentity;
  readonly input?: Input;
  readonly output?: Output;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Console sign-in events: additionalEventData and responseElements as CloudTrail writes them. */
  readonly additionalEventData?: Readonly<Record<string, unknown>>;
  readonly responseElements?: Readonly<Record<string, unknown>>;
}

const SOURCES = { iam: 'iam.amazonaws.com', sts: 'sts.amazonaws.com', signin: 'signin.amazonaws.com' };

/** An order key that sorts newest first: the time inverted (ms, fixed width), then the id. */
export function sortKeyOf(timeMs: number, id: string): string {
  return `${invertedTime(timeMs)}:${id}`;
}

export function invertedTime(timeMs: number): string {
  return String(9_999_999_999_999 - timeMs).padStart(13, '0');
}

export function toAuditRecord(call: AuditCall): AuditEventRecord {
  const id = randomUUID();
  const eventTime = call.time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const readOnly = isReadOnly(call.service, call.eventName);
  const identity = call.caller ? identityOf(call.caller) : unknownIdentity(call.identity);
  const event: Record<string, unknown> = {
    eventVersion: call.service === 'signin' ? '1.08' : '1.09',
    userIdentity: identity,
    eventTime,
    eventSource: SOURCES[call.service],
    eventName: call.eventName,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp,
    userAgent: call.userAgent ?? null,
    ...(call.errorCode !== undefined ? { errorCode: call.errorCode } : {}),
    // A failed sign-in has a message and no code (CloudTrail's ConsoleLogin: "Failed authentication").
    ...(call.errorMessage !== undefined ? { errorMessage: call.errorMessage } : {}),
    requestParameters: call.input ? redactRequest(call.input) : null,
    responseElements:
      call.responseElements ??
      (call.output && !readOnly && call.errorCode === undefined ? redactResponse(call.output) : null),
    ...(call.additionalEventData ? { additionalEventData: call.additionalEventData } : {}),
    ...(call.requestId ? { requestID: call.requestId } : {}),
    eventID: id,
    readOnly,
    eventType: call.service === 'signin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: call.account,
    eventCategory: 'Management',
  };
  const accessKeyId = typeof identity.accessKeyId === 'string' ? identity.accessKeyId : undefined;
  return {
    id,
    account: call.account,
    sortKey: sortKeyOf(call.time.getTime(), id),
    eventTime,
    eventName: call.eventName,
    eventSource: SOURCES[call.service],
    readOnly,
    ...optional('username', usernameOf(call)),
    ...optional('accessKeyId', accessKeyId),
    resources: resourcesOf(call),
    event,
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Reads change nothing: IAM's Get/List/Simulate/Generate… reads, and STS (CloudTrail marks its calls read-only). */
function isReadOnly(service: AuditCall['service'], name: string): boolean {
  if (service === 'sts') return true;
  if (service === 'signin') return false;
  return /^(Get|List|Simulate)/.test(name);
}

function identityOf(caller: Caller): Record<string, unknown> {
  const session = caller.session;
  const accessKeyId =
    caller.accessKeyId && !caller.accessKeyId.startsWith('console:') ? caller.accessKeyId : undefined;
  const base = {
    principalId: caller.userId,
    arn: caller.arn,
    accountId: caller.account,
    ...(accessKeyId ? { accessKeyId } : {}),
  };
  const attributes = session
    ? {
        attributes: {
          creationDate: session.issuedAt,
          mfaAuthenticated: String(session.mfaAuthenticatedAt !== undefined),
        },
      }
    : undefined;
  switch (caller.type) {
    case 'root':
      return { type: 'Root', ...base, ...(attributes ? { sessionContext: attributes } : {}) };
    case 'user':
      return {
        type: 'IAMUser',
        ...base,
        userName: caller.userName,
        ...(attributes ? { sessionContext: attributes } : {}),
      };
    case 'assumed-role': {
      const role = session!.role!;
      return {
        type: 'AssumedRole',
        ...base,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: role.id,
            arn: role.arn,
            accountId: caller.account,
            userName: role.name,
          },
          ...attributes,
          ...(session!.sourceIdentity ? { sourceIdentity: session!.sourceIdentity } : {}),
        },
      };
    }
    case 'federated-user':
      return {
        type: 'FederatedUser',
        ...base,
        sessionContext: {
          sessionIssuer: {
            type: 'IAMUser',
            principalId: session!.principalId ?? caller.account,
            arn: `arn:aws:iam::${caller.account}:user/${session!.userName ?? 'root'}`,
            accountId: caller.account,
            userName: session!.userName ?? 'root',
          },
          ...attributes,
        },
      };
  }
}

function unknownIdentity(identity: AuditIdentity | undefined): Record<string, unknown> {
  if (!identity) return { type: 'Unknown' };
  const { type, ...rest } = identity;
  return { type, ...rest };
}

/** LookupEvents' Username: the user's name, "root", the role session's or federated user's name. */
function usernameOf(call: AuditCall): string | undefined {
  const caller = call.caller;
  if (!caller) return call.identity?.userName ?? (call.identity?.type === 'Root' ? 'root' : undefined);
  switch (caller.type) {
    case 'root':
      return 'root';
    case 'user':
      return caller.userName;
    case 'assumed-role':
      return caller.session!.role!.sessionName;
    case 'federated-user':
      return caller.session!.federatedName;
  }
}

const RESOURCE_MEMBERS: readonly (readonly [string, string, (v: string, account: string) => string])[] = [
  ['UserName', 'AWS::IAM::User', (v) => v],
  ['GroupName', 'AWS::IAM::Group', (v) => v],
  ['RoleName', 'AWS::IAM::Role', (v) => v],
  ['RoleArn', 'AWS::IAM::Role', (v) => v],
  ['PolicyArn', 'AWS::IAM::Policy', (v) => v],
  ['InstanceProfileName', 'AWS::IAM::InstanceProfile', (v) => v],
  ['AccessKeyId', 'AWS::IAM::AccessKey', (v) => v],
  ['SerialNumber', 'AWS::IAM::MFADevice', (v) => v],
  ['OpenIDConnectProviderArn', 'AWS::IAM::OIDCProvider', (v) => v],
  ['SAMLProviderArn', 'AWS::IAM::SAMLProvider', (v) => v],
  ['ServerCertificateName', 'AWS::IAM::ServerCertificate', (v) => v],
];

/** The resources a call names, as LookupEvents reports them (type and name). */
function resourcesOf(call: AuditCall): { type: string; name: string }[] {
  const input = call.input;
  if (!input) return [];
  const found: { type: string; name: string }[] = [];
  for (const [member, type, name] of RESOURCE_MEMBERS) {
    const value = input[member];
    if (typeof value === 'string' && value !== '') found.push({ type, name: name(value, call.account) });
  }
  return found;
}
