// CloudTrail's LookupEvents over the audit trail: one account's events, newest first, filtered
// by at most one attribute and a time range, a page at a time (AWS CloudTrail API Reference,
// LookupEvents). Authorized as cloudtrail:LookupEvents; an account sees only its own events.
//
// Events are stored in blocks (blocks.ts): the account's blocks, or with an attribute the blocks
// holding its value, are read newest first until the page is known complete. The text read per call
// is bounded: past it, the page holds what is known complete so far and a NextToken, as CloudTrail
// itself may answer fewer events than MaxResults with a NextToken.
import { authorize } from '../authorize.ts';
import { IamError } from '../errors.ts';
import type { Input, OperationContext, Output } from '../operation.ts';
import type { AuditBlockRecord, AuditEventRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { auditBlocks, auditLookups } from '../tables.ts';
import { BLOCK_SPAN_MS, blocksFrom, eventsOf, firstMsOf, type BlockEvent } from './blocks.ts';
import { invertedTime } from './events.ts';

const ATTRIBUTE_KEYS = new Set([
  'EventName',
  'EventSource',
  'ReadOnly',
  'Username',
  'AccessKeyId',
  'ResourceType',
  'ResourceName',
]);

const DEFAULT_MAX_RESULTS = 50;
/** Blocks' text read per call (~20 ms of JSON parsing), once some of the page is known. */
const READ_BUDGET_CHARACTERS = 2_000_000;
/** Blocks fetched per query. */
const BLOCKS_PER_QUERY = 4;

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
  // CloudTrail's event times are whole seconds: a range takes in its first and last seconds whole.
  const start =
    input.StartTime instanceof Date ? Math.floor(input.StartTime.getTime() / 1000) * 1000 : undefined;
  const end = input.EndTime instanceof Date ? input.EndTime.getTime() : undefined;
  if (start !== undefined && end !== undefined && start > end)
    throw new IamError('InvalidTimeRangeException', 'Start time must be before end time.');
  const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : DEFAULT_MAX_RESULTS;
  const after = input.NextToken === undefined ? undefined : tokenAfter(String(input.NextToken));
  const attribute = attributes[0];
  if (attribute && attribute.AttributeKey !== 'EventId' && !ATTRIBUTE_KEYS.has(attribute.AttributeKey))
    throw new IamError('InvalidLookupAttributesException', 'Invalid lookup attribute key.');

  return iam.store.read(async (tx) => {
    await authorize(iam, tx, caller, { action: 'cloudtrail:LookupEvents', resource: '*' });
    const inRange = (event: BlockEvent) =>
      event.account === caller.account &&
      (start === undefined || event.timeMs >= start) &&
      (end === undefined || event.timeMs <= end + 999);
    if (attribute?.AttributeKey === 'EventId') {
      const event = await eventById(tx, caller.account, attribute.AttributeValue);
      return { Events: event && inRange(event) ? [eventOf(event.record())] : [] };
    }
    const lookup = attribute ? `${attribute.AttributeKey}:${attribute.AttributeValue}` : undefined;
    // Newest first from the end of the range (inclusive, to its second's end) or the last page's end.
    const fromEnd = end === undefined ? undefined : invertedTime(end + 999);
    const first = after !== undefined && (fromEnd === undefined || after > fromEnd) ? after : fromEnd;
    const newestMs = first === undefined ? undefined : 9_999_999_999_999 - Number(first.slice(0, 13));
    const blocks = blocksNewestFirst(tx, caller.account, lookup, newestMs);

    const found: BlockEvent[] = [];
    let read = 0;
    let exhausted = false;
    /** Every event newer than this has been found: the blocks still unread hold none. */
    let complete = Infinity;
    const known = () => found.filter((event) => event.timeMs > complete).length;
    for (;;) {
      const block = await blocks.next();
      if (block.done) {
        exhausted = true;
        break;
      }
      complete = firstMsOf(block.value) + BLOCK_SPAN_MS;
      if (start !== undefined && complete < start) {
        exhausted = true;
        break;
      }
      if (known() > maxResults || (read >= READ_BUDGET_CHARACTERS && known() > 0)) break;
      read += block.value.entries?.length ?? 0;
      for (const event of eventsOf(block.value)) {
        if (first !== undefined && event.sortKey <= first) continue;
        if (!inRange(event)) continue;
        if (lookup !== undefined && !event.lookups().includes(lookup)) continue;
        found.push(event);
      }
    }
    const ready = exhausted ? found : found.filter((event) => event.timeMs > complete);
    ready.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    const page = ready.slice(0, maxResults);
    const more = ready.length > maxResults || (!exhausted && page.length > 0);
    return {
      Events: page.map((event) => eventOf(event.record())),
      ...(more ? { NextToken: Buffer.from(page[page.length - 1]!.sortKey).toString('base64url') } : {}),
    };
  });
}

/**
 * The account's blocks (with a lookup, those holding its value) whose first event is at or before
 * `newestMs`, newest first.
 */
async function* blocksNewestFirst(
  tx: StoreTx,
  account: string,
  lookup: string | undefined,
  newestMs: number | undefined,
): AsyncGenerator<AuditBlockRecord> {
  let after: string | undefined = newestMs === undefined ? undefined : blocksFrom(newestMs);
  for (;;) {
    const query = { orderBy: 'sort_key', ...(after !== undefined ? { after } : {}), limit: BLOCKS_PER_QUERY };
    let blocks: AuditBlockRecord[];
    if (lookup === undefined) {
      blocks = await tx.list(auditBlocks, { where: { account }, ...query });
      after = blocks[blocks.length - 1]?.sortKey;
    } else {
      const rows = await tx.list(auditLookups, { where: { account, lookup }, ...query });
      blocks = await tx.getMany(
        auditBlocks,
        rows.map((row) => row.block),
      );
      blocks.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
      after = rows[rows.length - 1]?.sortKey;
    }
    yield* blocks;
    if (after === undefined || blocks.length < BLOCKS_PER_QUERY) return;
  }
}

/** The event with this id: its time (a UUID version 7's first 48 bits) tells which blocks may hold it. */
async function eventById(tx: StoreTx, account: string, id: string): Promise<BlockEvent | undefined> {
  const hex = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(id);
  if (!hex) return undefined;
  const timeMs = Number.parseInt(hex[1]! + hex[2]!, 16);
  for await (const block of blocksNewestFirst(tx, account, undefined, timeMs)) {
    if (firstMsOf(block) + BLOCK_SPAN_MS < timeMs) return undefined;
    const event = eventsOf(block).find((candidate) => candidate.id === id);
    if (event) return event;
  }
  return undefined;
}

function tokenAfter(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d{13}:[0-9a-f-]{36}$/.test(key))
    throw new IamError('InvalidNextTokenException', 'Invalid NextToken.');
  return key;
}

function eventOf(row: AuditEventRecord): Record<string, unknown> {
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
