// One call as CloudTrail records it (CloudTrail record contents, AWS CloudTrail User Guide):
// eventVersion, userIdentity (Root, IAMUser, AssumedRole, FederatedUser, WebIdentityUser,
// SAMLUser), eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
// requestParameters, responseElements, errorCode, errorMessage, requestID, eventID, readOnly,
// eventType, managementEvent, recipientAccountId, eventCategory.
//
// What the protocols hand over (AuditCall) becomes an AuditEntry at once on the request thread
// (auditEntry: the identity, the redacted parameters), so the buffer holds no request's objects
// (caller, input, output). Entries are stored in blocks (blocks.ts), which also give them their
// event ids; LookupEvents turns the ones it answers with into CloudTrail events (toAuditRecord).
import type { Caller } from '../caller.ts';
import type { Input, Output } from '../operation.ts';
import type { AuditEventRecord } from '../records.ts';
import { redactRequest, redactResponse } from './redact.ts';

/**
 * Who called, when the call had no verified Caller (unsigned STS calls, failed signatures, sign-ins),
 * or the service itself (AWSService: what Portcullis does on its own, such as the MFA janitor).
 */
export interface AuditIdentity {
  readonly type: 'Root' | 'IAMUser' | 'WebIdentityUser' | 'SAMLUser' | 'AWSService' | 'Unknown';
  /** AWSService: the service that acted (CloudTrail's userIdentity.invokedBy). */
  readonly invokedBy?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly identityProvider?: string;
}

export interface AuditCall {
  /** iam, sts, cloudtrail (LookupEvents), organizations, access-analyzer (ValidatePolicy), or signin (the console's sign-in steps). */
  readonly service:
    'iam' | 'sts' | 'cloudtrail' | 'organizations' | 'access-analyzer' | 'signin' | 'portcullis';
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

const SOURCES = {
  iam: 'iam.amazonaws.com',
  sts: 'sts.amazonaws.com',
  cloudtrail: 'cloudtrail.amazonaws.com',
  organizations: 'organizations.amazonaws.com',
  'access-analyzer': 'access-analyzer.amazonaws.com',
  signin: 'signin.amazonaws.com',
  // Portcullis's own operations (the MFA options beyond AWS's): a source no AWS service uses.
  portcullis: 'portcullis.local',
};

/** An order key that sorts newest first: the time inverted (ms, fixed width), then the id. */
export function sortKeyOf(timeMs: number, id: string): string {
  return `${invertedTime(timeMs)}:${id}`;
}

export function invertedTime(timeMs: number): string {
  return String(9_999_999_999_999 - timeMs).padStart(13, '0');
}

/**
 * What the request thread keeps of a call until its batch is written: plain JSON data (the
 * identity as CloudTrail shows it, the parameters already redacted), so the batch can be handed to
 * another thread as one string and the request's own objects are let go at once.
 */
export interface AuditEntry {
  readonly service: AuditCall['service'];
  readonly eventName: string;
  readonly timeMs: number;
  readonly region: string;
  readonly sourceIp: string;
  readonly userAgent: string | null;
  readonly requestId?: string;
  readonly account: string;
  readonly identity: Record<string, unknown>;
  readonly username?: string;
  readonly resources: readonly { readonly type: string; readonly name: string }[];
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly additionalEventData?: Readonly<Record<string, unknown>>;
}

export function auditEntry(call: AuditCall): AuditEntry {
  const readOnly = isReadOnly(call.service, call.eventName);
  const timeMs = call.time.getTime();
  // Built by assignment, not by spreading optional parts: this runs for every call on the request
  // thread, and each spread of a conditional object is an object made and copied.
  const entry: Mutable<AuditEntry> = {
    service: call.service,
    eventName: call.eventName,
    timeMs,
    region: call.region,
    sourceIp: call.sourceIp,
    userAgent: call.userAgent ?? null,
    account: call.account,
    identity: call.caller ? sharedIdentityOf(call.caller) : unknownIdentity(call.identity),
    resources: resourcesOf(call),
    requestParameters: call.input ? redactRequest(call.input) : null,
    responseElements:
      call.responseElements ??
      (call.output && !readOnly && call.errorCode === undefined ? redactResponse(call.output) : null),
  };
  if (call.requestId) entry.requestId = call.requestId;
  const username = usernameOf(call);
  if (username !== undefined) entry.username = username;
  if (call.errorCode !== undefined) entry.errorCode = call.errorCode;
  if (call.errorMessage !== undefined) entry.errorMessage = call.errorMessage;
  if (call.additionalEventData) entry.additionalEventData = call.additionalEventData;
  return entry;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The event as CloudTrail records it and LookupEvents answers with it; `id` is its eventID. */
export function toAuditRecord(entry: AuditEntry, id: string): AuditEventRecord {
  const eventTime = isoSeconds(entry.timeMs);
  const readOnly = isReadOnly(entry.service, entry.eventName);
  const identity = entry.identity;
  const event: Record<string, unknown> = {
    eventVersion: entry.service === 'signin' ? '1.08' : '1.09',
    userIdentity: identity,
    eventTime,
    eventSource: SOURCES[entry.service],
    eventName: entry.eventName,
    awsRegion: entry.region,
    sourceIPAddress: entry.sourceIp,
    userAgent: entry.userAgent,
    ...(entry.errorCode !== undefined ? { errorCode: entry.errorCode } : {}),
    // A failed sign-in has a message and no code (CloudTrail's ConsoleLogin: "Failed authentication").
    ...(entry.errorMessage !== undefined ? { errorMessage: entry.errorMessage } : {}),
    requestParameters: entry.requestParameters,
    responseElements: entry.responseElements,
    ...(entry.additionalEventData ? { additionalEventData: entry.additionalEventData } : {}),
    ...(entry.requestId ? { requestID: entry.requestId } : {}),
    eventID: id,
    readOnly,
    eventType: entry.service === 'signin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: entry.account,
    eventCategory: 'Management',
  };
  const accessKeyId = typeof identity.accessKeyId === 'string' ? identity.accessKeyId : undefined;
  return {
    id,
    account: entry.account,
    sortKey: sortKeyOf(entry.timeMs, id),
    eventTime,
    eventName: entry.eventName,
    eventSource: SOURCES[entry.service],
    readOnly,
    ...optional('username', entry.username),
    ...optional('accessKeyId', accessKeyId),
    resources: entry.resources,
    event,
  };
}

/** An ISO 8601 time in whole seconds, as CloudTrail writes eventTime. */
export function isoSeconds(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The LookupEvents attribute values an event can be found by, as `<AttributeKey>:<value>` (every
 * resource it names, not only the first).
 */
export function lookupsOf(entry: AuditEntry): string[] {
  const accessKeyId = entry.identity.accessKeyId;
  const found = [
    `EventName:${entry.eventName}`,
    `EventSource:${SOURCES[entry.service]}`,
    `ReadOnly:${String(isReadOnly(entry.service, entry.eventName))}`,
  ];
  if (entry.username !== undefined) found.push(`Username:${entry.username}`);
  if (typeof accessKeyId === 'string') found.push(`AccessKeyId:${accessKeyId}`);
  for (const resource of entry.resources) {
    found.push(`ResourceType:${resource.type}`, `ResourceName:${resource.name}`);
  }
  return found;
}

/** The same of an event stored whole (schema version 6 and earlier). */
export function lookupsOfRecord(record: AuditEventRecord): string[] {
  const found = [
    `EventName:${record.eventName}`,
    `EventSource:${record.eventSource}`,
    `ReadOnly:${String(record.readOnly)}`,
  ];
  if (record.username !== undefined) found.push(`Username:${record.username}`);
  if (record.accessKeyId !== undefined) found.push(`AccessKeyId:${record.accessKeyId}`);
  for (const resource of record.resources) {
    found.push(`ResourceType:${resource.type}`, `ResourceName:${resource.name}`);
  }
  return found;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Reads change nothing: IAM's Get/List/Simulate/Generate… reads, and STS (CloudTrail marks its calls read-only). */
function isReadOnly(service: AuditCall['service'], name: string): boolean {
  if (service === 'sts') return true;
  if (service === 'signin') return false;
  if (service === 'cloudtrail' || service === 'organizations')
    return /^(Get|List|Lookup|Describe)/.test(name);
  if (service === 'access-analyzer') return /^(Get|List|Validate)/.test(name);
  if (service === 'portcullis') return /^(Get|List)/.test(name);
  return /^(Get|List|Simulate)/.test(name);
}

/**
 * Callers' identities as CloudTrail shows them, one object per distinct identity: a block stores
 * each once (blocks.ts), and a busy caller's identity is built once, not per call. Found by the
 * caller's session record (one object for as long as the session is remembered) or its access
 * key, and used only while every field identityOf reads is still the same; forgotten wholesale
 * past a bound.
 */
interface KnownIdentity {
  /** What identityOf read, as it was. */
  readonly read: readonly unknown[];
  readonly identity: Record<string, unknown>;
}
const bySession = new WeakMap<object, KnownIdentity>();
const byKey = new Map<string, KnownIdentity>();
const IDENTITIES_KEPT = 10_000;

function sharedIdentityOf(caller: Caller): Record<string, unknown> {
  const session = caller.session;
  const known = session ? bySession.get(session) : byKey.get(caller.accessKeyId ?? caller.arn);
  const read = fieldsRead(caller);
  if (known && read.every((value, i) => value === known.read[i])) return known.identity;
  const fresh: KnownIdentity = { read, identity: identityOf(caller) };
  if (session) bySession.set(session, fresh);
  else {
    if (byKey.size >= IDENTITIES_KEPT) byKey.clear();
    byKey.set(caller.accessKeyId ?? caller.arn, fresh);
  }
  return fresh.identity;
}

/** Every field identityOf reads (a console session's record may gain its MFA step later). */
function fieldsRead(caller: Caller): unknown[] {
  const s = caller.session;
  const role = s?.role;
  return [
    caller.type,
    caller.arn,
    caller.userId,
    caller.account,
    caller.accessKeyId,
    caller.userName,
    s?.issuedAt,
    s?.mfaAuthenticatedAt,
    s?.sourceIdentity,
    s?.principalId,
    s?.userName,
    role?.id,
    role?.arn,
    role?.name,
  ];
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
        sessionContext: { sessionIssuer: federationIssuerOf(caller), ...attributes },
      };
  }
}

/**
 * Who called GetFederationToken: the IAM user, or the root user. CloudTrail's userIdentity element
 * (CloudTrail User Guide, "CloudTrail userIdentity element", sessionIssuer) gives the source's type
 * (Root, IAMUser or Role), its ARN (the account's for the root user) and its userName — the user's
 * name, or for the root user the account alias, absent when the account has none. Portcullis does not
 * write the alias here: the root's issuer carries no userName (a gap, not AWS's shape when an alias is
 * set).
 */
function federationIssuerOf(caller: Caller): Record<string, string> {
  const session = caller.session!;
  if (session.userName === undefined)
    return {
      type: 'Root',
      principalId: caller.account,
      arn: `arn:aws:iam::${caller.account}:root`,
      accountId: caller.account,
    };
  return {
    type: 'IAMUser',
    principalId: session.principalId ?? caller.account,
    arn: `arn:aws:iam::${caller.account}:user/${session.userName}`,
    accountId: caller.account,
    userName: session.userName,
  };
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

type Resources = readonly { readonly type: string; readonly name: string }[];
const NO_RESOURCES: Resources = Object.freeze([]);
/** A call's lone resource, one list per resource: a block stores it once (blocks.ts). */
const loneResources = new Map<string, Resources>();
const LONE_RESOURCES_KEPT = 10_000;

/** The resources a call names, as LookupEvents reports them (type and name). */
function resourcesOf(call: AuditCall): Resources {
  const input = call.input;
  if (!input) return NO_RESOURCES;
  const found: { type: string; name: string }[] = [];
  for (const [member, type, name] of RESOURCE_MEMBERS) {
    const value = input[member];
    if (typeof value === 'string' && value !== '') found.push({ type, name: name(value, call.account) });
  }
  if (found.length === 0) return NO_RESOURCES;
  if (found.length > 1) return found;
  const key = `${found[0]!.type}\u0000${found[0]!.name}`;
  let lone = loneResources.get(key);
  if (!lone) {
    if (loneResources.size >= LONE_RESOURCES_KEPT) loneResources.clear();
    loneResources.set(key, (lone = Object.freeze(found)));
  }
  return lone;
}
