// One LookupEvents event as the event history shows it: the columns CloudTrail's console reads
// from the event and its record (the source IP address and error code are only in the record), and
// whether the call was denied, failed or erred.

export type Outcome = 'success' | 'denied' | 'error' | 'failed';

export interface EventRow {
  readonly id: string;
  readonly time: string;
  readonly username: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly sourceIp: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly outcome: Outcome;
  /** The CloudTrail record as LookupEvents returns it (CloudTrailEvent). */
  readonly raw: string;
  /** The record parsed, when it is a JSON object. */
  readonly parsed?: Readonly<Record<string, unknown>>;
}

/** Access errors as the AWS services name them (AccessDenied, AccessDeniedException, UnauthorizedOperation). */
const DENIED = /^(AccessDenied|UnauthorizedOperation|Client\.UnauthorizedOperation)/;

/** One LookupEvents event as a row: the columns CloudTrail's console reads from its record. */
export function rowOf(event: Readonly<Record<string, unknown>>): EventRow {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const raw = text(event.CloudTrailEvent);
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value))
      parsed = value as Record<string, unknown>;
  } catch {
    // A record that is not JSON is shown as it is, with what the event's own fields say.
  }
  const record = parsed ?? {};
  const errorCode = text(record.errorCode);
  const errorMessage = text(record.errorMessage);
  // A failed console sign-in has a message and no code (CloudTrail's ConsoleLogin "Failed authentication").
  const outcome: Outcome = errorCode
    ? DENIED.test(errorCode)
      ? 'denied'
      : 'error'
    : errorMessage
      ? 'failed'
      : 'success';
  const time = event.EventTime instanceof Date ? event.EventTime.toISOString() : text(event.EventTime);
  return {
    id: text(event.EventId),
    time: time.replace(/\.\d{3}Z$/, 'Z'),
    username: text(event.Username),
    eventName: text(event.EventName),
    eventSource: text(event.EventSource),
    sourceIp: text(record.sourceIPAddress),
    errorCode,
    errorMessage,
    outcome,
    raw,
    ...(parsed ? { parsed } : {}),
  };
}

/** The record to read: pretty-printed JSON, or the text as it came. */
export function recordText(row: EventRow): string {
  return row.parsed ? JSON.stringify(row.parsed, null, 2) : row.raw;
}
