// How the audit trail is stored: a node's batch of entries becomes blocks — one account's events
// within a short span of time, written as one row holding the entries as JSON, with one lookup row
// per distinct LookupEvents attribute value among them. Recording a call thus costs a share of one
// insert rather than an insert into a row and its nine indexes (bench/RESULTS.md measured that at
// ~45 µs of CPU per event, a quarter of a GetUser's).
//
// Reading relies on the span: an event of time t lies in a block whose first event is at most
// BLOCK_SPAN_MS older, so walking blocks newest-first by their first event, every event newer than
// (the next block's first event + BLOCK_SPAN_MS) is known to be complete and in order.
import { newTimeOrderedId, reserveTimeOrderedIds, timeOrderedId } from '../../crypto/ids.ts';
import type { AuditBlockRecord, AuditEventRecord, AuditLookupRecord } from '../records.ts';
import {
  invertedTime,
  isoSeconds,
  lookupsOf,
  lookupsOfRecord,
  sortKeyOf,
  toAuditRecord,
  type AuditEntry,
} from './events.ts';

/** The longest time between a block's first and last event. */
export const BLOCK_SPAN_MS = 100;
/** The most events in a block: a block is read whole, and reading one stays short. */
export const BLOCK_EVENTS = 256;

/** A block as the request thread builds it and a sink writes it: plain data, cheap to hand over. */
export interface AuditBlock {
  readonly account: string;
  readonly firstMs: number;
  readonly lastMs: number;
  /** Distinct `<AttributeKey>:<value>` of its events. */
  readonly lookups: readonly string[];
  /** The entries as StoredEntries JSON. */
  readonly entries: string;
}

/**
 * A block's entries as stored until schema version 9: each entry whole, with what most of a
 * block's events repeat (the caller's identity, the user agent) once, in `shared`. Still read.
 */
interface EntriesV1 {
  readonly shared: unknown[];
  readonly events: (Omit<AuditEntry, 'identity' | 'userAgent'> & {
    eventId: string;
    identity: number;
    userAgent: number;
  })[];
}

/**
 * A block's entries as written now: every value an event shares with others (a name, an address,
 * an identity, parameters) once, in `shared`, each event a row of positions in it — so a busy
 * caller's events cost their time and request id, and little more, to build, hand over and store.
 * Event ids are not stored one by one: the block reserves a range of time-ordered ids (`ids`: the
 * seed and first counter) and event n's id is made from its time and counter first + n.
 */
interface EntriesV2 {
  readonly v: 2;
  readonly ids: readonly [seed: string, first: number];
  /** The block's first event time; each row starts with its event's offset from it (ms). */
  readonly t0: number;
  readonly shared: unknown[];
  /** [offset, requestId or null, then a position in `shared` (or -1: absent) per FIELDS member]. */
  readonly events: (number | string | null)[][];
}

/** The members of an entry stored as positions in `shared`, in row order. */
const FIELDS = [
  'service',
  'eventName',
  'region',
  'sourceIp',
  'userAgent',
  'identity',
  'resources',
  'requestParameters',
  'responseElements',
  'username',
  'errorCode',
  'errorMessage',
  'additionalEventData',
] as const satisfies readonly (keyof AuditEntry)[];

/** A batch's entries as blocks: by account, in time order, cut at the span and size limits. */
export function blocksOf(entries: readonly AuditEntry[]): AuditBlock[] {
  const byAccount = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const list = byAccount.get(entry.account);
    if (list) list.push(entry);
    else byAccount.set(entry.account, [entry]);
  }
  const blocks: AuditBlock[] = [];
  for (const [account, list] of byAccount) {
    list.sort((a, b) => a.timeMs - b.timeMs);
    let start = 0;
    for (let i = 1; i <= list.length; i++) {
      const full =
        i === list.length ||
        i - start >= BLOCK_EVENTS ||
        list[i]!.timeMs - list[start]!.timeMs > BLOCK_SPAN_MS;
      if (!full) continue;
      blocks.push(blockOf(account, list.slice(start, i)));
      start = i;
    }
  }
  return blocks;
}

function blockOf(account: string, entries: readonly AuditEntry[]): AuditBlock {
  const shared: unknown[] = [];
  // Values are found as they are (strings, and objects met before: a caller's identity is one
  // object per caller, a call's resources one per resource, events.ts); other objects by their
  // JSON text, since each call's parameters are objects of their own.
  const byValue = new Map<unknown, number>();
  const byText = new Map<string, number>();
  const share = (value: unknown, identity: boolean): number => {
    if (value === undefined) return -1;
    let position = byValue.get(value);
    if (position !== undefined) return position;
    if (typeof value === 'object' && value !== null && !identity) {
      const text = JSON.stringify(value);
      position = byText.get(text);
      if (position === undefined) byText.set(text, (position = shared.push(value) - 1));
    } else position = shared.push(value) - 1;
    byValue.set(value, position);
    return position;
  };
  const lookups = new Set<string>();
  const t0 = entries[0]!.timeMs;
  const events: EntriesV2['events'] = [];
  let previous: AuditEntry | undefined;
  let previousRow: (number | string | null)[] = [];
  for (const entry of entries) {
    const row: (number | string | null)[] = [entry.timeMs - t0, entry.requestId ?? null];
    let alike = previous !== undefined;
    for (let i = 0; i < FIELDS.length; i++) {
      const field = FIELDS[i]!;
      const value = entry[field];
      // A busy caller's events repeat the one before in most members.
      if (previous !== undefined && value === previous[field]) row.push(previousRow[i + 2]!);
      else row.push(share(value, field === 'identity'));
      alike &&= row[i + 2] === previousRow[i + 2];
    }
    // An event's lookups follow from the members it shares: alike rows add nothing new.
    if (!alike) for (const lookup of lookupsOf(entry)) lookups.add(lookup);
    previous = entry;
    previousRow = row;
    events.push(row);
  }
  const ids = reserveTimeOrderedIds(entries.length);
  return {
    account,
    firstMs: t0,
    lastMs: entries[entries.length - 1]!.timeMs,
    lookups: [...lookups],
    entries: JSON.stringify({ v: 2, ids: [ids.seed, ids.first], t0, shared, events } satisfies EntriesV2),
  };
}

/** The rows of a block: the block and its lookups. */
export function blockRows(block: AuditBlock): { block: AuditBlockRecord; lookups: AuditLookupRecord[] } {
  const id = newTimeOrderedId(block.firstMs);
  const sortKey = sortKeyOf(block.firstMs, id);
  return {
    block: {
      id,
      account: block.account,
      sortKey,
      lastTime: isoSeconds(block.lastMs),
      lookups: block.lookups.length,
      entries: block.entries,
    },
    lookups: block.lookups.map((lookup, n) => ({
      id: `${id}:${n}`,
      account: block.account,
      lookup,
      sortKey,
      block: id,
    })),
  };
}

/** The time of a block's first event, from its sort key. */
export function firstMsOf(block: AuditBlockRecord): number {
  return 9_999_999_999_999 - Number(block.sortKey.slice(0, 13));
}

/** The sort key from which blocks whose first event is at or before `timeMs` follow. */
export function blocksFrom(timeMs: number): string {
  return invertedTime(timeMs);
}

/** One event of a block, as LookupEvents filters it; `record` builds the CloudTrail event. */
export interface BlockEvent {
  readonly id: string;
  readonly sortKey: string;
  readonly timeMs: number;
  readonly account: string;
  lookups(): readonly string[];
  record(): AuditEventRecord;
}

/** A block's events (its entries, or the one event a version-6 database stored whole). */
export function eventsOf(block: AuditBlockRecord): BlockEvent[] {
  const legacy = block.legacy;
  if (legacy) {
    return [
      {
        id: legacy.id,
        sortKey: legacy.sortKey,
        timeMs: 9_999_999_999_999 - Number(legacy.sortKey.slice(0, 13)),
        account: legacy.account,
        lookups: () => lookupsOfRecord(legacy),
        record: () => legacy,
      },
    ];
  }
  const stored = JSON.parse(block.entries!) as EntriesV1 | EntriesV2;
  if ('v' in stored) return eventsOfV2(block.account, stored);
  return stored.events.map(({ eventId, ...event }) => {
    const entry: AuditEntry = {
      ...event,
      identity: stored.shared[event.identity] as AuditEntry['identity'],
      userAgent: stored.shared[event.userAgent] as AuditEntry['userAgent'],
    };
    return blockEvent(entry, eventId);
  });
}

function eventsOfV2(account: string, stored: EntriesV2): BlockEvent[] {
  const [seed, first] = stored.ids;
  return stored.events.map((row, n) => {
    const entry: Record<string, unknown> = { account, timeMs: stored.t0 + (row[0] as number) };
    if (row[1] !== null) entry.requestId = row[1];
    FIELDS.forEach((field, i) => {
      const position = row[i + 2] as number;
      if (position >= 0) entry[field] = stored.shared[position];
    });
    return blockEvent(entry as unknown as AuditEntry, timeOrderedId(entry.timeMs as number, seed, first + n));
  });
}

function blockEvent(entry: AuditEntry, id: string): BlockEvent {
  return {
    id,
    sortKey: sortKeyOf(entry.timeMs, id),
    timeMs: entry.timeMs,
    account: entry.account,
    lookups: () => lookupsOf(entry),
    record: () => toAuditRecord(entry, id),
  };
}
