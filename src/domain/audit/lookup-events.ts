// CloudTrail's LookupEvents over the audit trail: one account's events, newest first, filtered
// by at most one attribute and a time range, a page at a time (AWS CloudTrail API Reference,
// LookupEvents). Authorized as cloudtrail:LookupEvents; an account sees only its own events.
import { authorize } from '../authorize.ts';
import { IamError } from '../errors.ts';
import type { Input, OperationContext, Output } from '../operation.ts';
import type { Where } from '../store.ts';
import { auditEvents } from '../tables.ts';
import { invertedTime } from './events.ts';

const ATTRIBUTE_COLUMNS: Readonly<Record<string, string>> = {
  EventName: 'event_name',
  EventSource: 'event_source',
  ReadOnly: 'read_only',
  Username: 'username',
  AccessKeyId: 'access_key_id',
  ResourceType: 'resource_type',
  ResourceName: 'resource_name',
};

const DEFAULT_MAX_RESULTS = 50;

export async function lookupEvents(ctx: OperationContext, input: Input): Promise<Output> {
  const { iam, caller } = ctx;
  const attributes = (input.LookupAttributes as { AttributeKey: string; AttributeValue: string }[]) ?? [];
  if (attributes.length > 1)
    throw new IamError(
      'InvalidLookupAttributesException',
      'You cannot specify more than one lookup attribute.',
    );
  if (input.EventCategory !== undefined)
    throw new IamError('InvalidEventCategoryException', 'Insights events are not recorded by this trail.');
  const start = input.StartTime instanceof Date ? input.StartTime.getTime() : undefined;
  const end = input.EndTime instanceof Date ? input.EndTime.getTime() : undefined;
  if (start !== undefined && end !== undefined && start > end)
    throw new IamError('InvalidTimeRangeException', 'Start time must be before end time.');
  const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : DEFAULT_MAX_RESULTS;
  const after = input.NextToken === undefined ? undefined : tokenAfter(String(input.NextToken));

  return iam.store.read(async (tx) => {
    await authorize(iam, tx, caller, { action: 'cloudtrail:LookupEvents', resource: '*' });
    const where: Record<string, Where[string]> = { account: caller.account };
    const attribute = attributes[0];
    if (attribute) {
      if (attribute.AttributeKey === 'EventId') {
        const row = await tx.get(auditEvents, attribute.AttributeValue);
        const inRange =
          row &&
          row.account === caller.account &&
          (start === undefined || Date.parse(row.eventTime) >= start) &&
          (end === undefined || Date.parse(row.eventTime) <= end);
        return { Events: inRange ? [eventOf(row)] : [] };
      }
      const column = ATTRIBUTE_COLUMNS[attribute.AttributeKey];
      if (!column) throw new IamError('InvalidLookupAttributesException', 'Invalid lookup attribute key.');
      where[column] = attribute.AttributeValue;
    }
    // The end of the range (inclusive, to its second's end) is where the newest-first order starts.
    const fromEnd = end === undefined ? undefined : invertedTime(end + 999);
    const first = after !== undefined && (fromEnd === undefined || after > fromEnd) ? after : fromEnd;
    const rows = await tx.list(auditEvents, {
      where,
      orderBy: 'sort_key',
      ...(first !== undefined ? { after: first } : {}),
      limit: maxResults + 1,
    });
    const inRange = start === undefined ? rows : rows.filter((row) => Date.parse(row.eventTime) >= start);
    const page = inRange.slice(0, maxResults);
    const more = inRange.length > maxResults;
    return {
      Events: page.map(eventOf),
      ...(more ? { NextToken: Buffer.from(page[page.length - 1]!.sortKey).toString('base64url') } : {}),
    };
  });
}

function tokenAfter(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d{13}:[0-9a-f-]{36}$/.test(key))
    throw new IamError('InvalidNextTokenException', 'Invalid NextToken.');
  return key;
}

function eventOf(row: import('../records.ts').AuditEventRecord): Record<string, unknown> {
  return {
    EventId: row.id,
    EventName: row.eventName,
    ReadOnly: String(row.readOnly),
    ...(row.accessKeyId ? { AccessKeyId: row.accessKeyId } : {}),
    EventTime: new Date(row.eventTime),
    EventSource: row.eventSource,
    ...(row.username ? { Username: row.username } : {}),
    Resources: row.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: JSON.stringify(row.event),
  };
}
