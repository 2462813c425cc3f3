// `portcullis explain --request-id`: a call found in the audit trail (a CloudTrail event, as
// LookupEvents answers it or a CloudTrail log file holds it) turned back into explain's question —
// who called (userIdentity), what they asked (eventSource and eventName, or the AccessDenied
// message's own action and resource) and the context keys the event records. Pure: the events are
// handed in.
import { InputError } from './snapshot.ts';

/** What explain asks, as read from the event; the caller adds what the trail does not hold. */
export interface RecordedRequest {
  readonly principalArn: string;
  readonly federationUserArn?: string;
  readonly action: string;
  /** The resource from an AccessDenied message; undefined when the event does not say it. */
  readonly resource?: string;
  /** `key=value` entries, typed later as `--context` is (parseContext). */
  readonly context: readonly string[];
  /** The event's error, for the reader to compare with the explanation. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** The CloudTrail records of an export: LookupEvents' answer (Events[].CloudTrailEvent) or a log file (Records[]). */
export function eventsOf(exported: unknown): Record<string, unknown>[] {
  const { Events, Records } = (exported ?? {}) as { Events?: unknown; Records?: unknown };
  if (Array.isArray(Records)) return Records.filter(isObject);
  if (!Array.isArray(Events))
    throw new InputError(
      '--events: neither LookupEvents output (Events) nor a CloudTrail log file (Records)',
    );
  return Events.flatMap((e) => {
    const text = isObject(e) ? e.CloudTrailEvent : undefined;
    if (typeof text !== 'string') return [];
    try {
      const record: unknown = JSON.parse(text);
      return isObject(record) ? [record] : [];
    } catch {
      return [];
    }
  });
}

/** The event of this request id, if these events hold it. */
export function findRequest(
  events: readonly Record<string, unknown>[],
  requestId: string,
): Record<string, unknown> | undefined {
  return events.find((e) => e.requestID === requestId);
}

const DENIED =
  /^User: (\S+) is not authorized to perform: (\S+?)(?: on resource: (\S+))?(?: because| with an explicit deny|$)/;

export function recordedRequest(event: Record<string, unknown>): RecordedRequest {
  const source = typeof event.eventSource === 'string' ? event.eventSource : '';
  const service = /^([a-z0-9-]+)\.amazonaws\.com$/.exec(source)?.[1];
  if (!service || service === 'signin' || typeof event.eventName !== 'string')
    throw new InputError(
      `the request ${String(event.requestID)} is ${event.eventName ?? 'an event'} of ${source || 'no service'}, not an API call explain can replay`,
    );
  const identity = isObject(event.userIdentity) ? event.userIdentity : {};
  const who = principalOf(identity);
  const message = typeof event.errorMessage === 'string' ? event.errorMessage : undefined;
  const denied = message ? DENIED.exec(message) : null;
  const sessionContext = isObject(identity.sessionContext) ? identity.sessionContext : {};
  const attributes = isObject(sessionContext.attributes) ? sessionContext.attributes : {};
  const context: string[] = [];
  const add = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && !value.includes(',')) context.push(`${key}=${value}`);
  };
  // The keys AWS puts in every request (IAM User Guide, "AWS global condition context keys") that
  // the event records; a session's MFA and issue time only for temporary credentials, as AWS does.
  add('aws:CurrentTime', event.eventTime);
  if (typeof event.eventTime === 'string' && !Number.isNaN(Date.parse(event.eventTime)))
    add('aws:EpochTime', String(Math.floor(Date.parse(event.eventTime) / 1000)));
  if (typeof event.sourceIPAddress === 'string' && /^[0-9a-f.:]+$/i.test(event.sourceIPAddress))
    add('aws:SourceIp', event.sourceIPAddress);
  add('aws:RequestedRegion', event.awsRegion);
  add('aws:UserAgent', event.userAgent);
  add('aws:MultiFactorAuthPresent', attributes.mfaAuthenticated);
  add('aws:TokenIssueTime', attributes.creationDate);
  add('aws:SourceIdentity', sessionContext.sourceIdentity);
  return {
    ...who,
    action: denied?.[2] ?? `${service}:${event.eventName}`,
    ...(denied ? { resource: denied[3] ?? '*' } : {}),
    context,
    ...(typeof event.errorCode === 'string' ? { errorCode: event.errorCode } : {}),
    ...(message !== undefined ? { errorMessage: message } : {}),
  };
}

function principalOf(identity: Record<string, unknown>): {
  principalArn: string;
  federationUserArn?: string;
} {
  const { type, arn, accountId } = identity;
  if (typeof arn !== 'string' || arn === '')
    throw new InputError(`the request's caller (userIdentity ${String(type)}) has no ARN to explain for`);
  if (type !== 'FederatedUser') return { principalArn: arn };
  // The IAM user whose key asked for the federation token, or the root user: CloudTrail's issuer of
  // type Root; Portcullis's trail wrote it as an IAM user named root (principalId the account id)
  // before it followed CloudTrail, and such events stay in the trail for its retention.
  const sessionContext = isObject(identity.sessionContext) ? identity.sessionContext : {};
  const issuer = isObject(sessionContext.sessionIssuer) ? sessionContext.sessionIssuer : {};
  const byRoot = issuer.type === 'Root' || (issuer.userName === 'root' && issuer.principalId === accountId);
  const federationUserArn = byRoot ? `arn:${arn.split(':')[1]}:iam::${String(accountId)}:root` : issuer.arn;
  return typeof federationUserArn === 'string'
    ? { principalArn: arn, federationUserArn }
    : { principalArn: arn };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
