// How the audit trail is stored: a node's batch of entries becomes blocks — one account's events
// within a short span of time, written as one row holding the entries as JSON, with one lookup row
// per distinct LookupEvents attribute value among them. Recording a call thus costs a share of one
// insert rather than an insert into a row and its nine indexes (bench/RESULTS.md measured that at
// ~45 µs of CPU per event, a quarter of a GetUser's).
//
// Reading relies on the span: an event of time t lies in a block whose first event is at most
// BLOCK_SPAN_MS older, so walking blocks newest-first by their first event, every event newer than
// (the next block's first event + BLOCK_SPAN_MS) is known to be complete and in order.
import { newTimeOrderedId } from '../../crypto/ids.ts';
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
 * A block's entries as stored: what most of a block's events repeat (the caller's identity, the
 * user agent) once, in `shared`, and referred to by position.
 */
interface StoredEntries {
  readonly shared: unknown[];
  readonly events: (Omit<AuditEntry, 'identity' | 'userAgent'> & { identity: number; userAgent: number })[];
}

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
  const lookups = new Set<string>();
  const shared: unknown[] = [];
  const positions = new Map<unknown, number>();
  const share = (value: unknown): number => {
    let position = positions.get(value);
    if (position === undefined) {
      position = shared.push(value) - 1;
      positions.set(value, position);
    }
    return position;
  };
  const events: StoredEntries['events'] = [];
  for (const entry of entries) {
    for (const lookup of lookupsOf(entry)) lookups.add(lookup);
    events.push({ ...entry, identity: share(entry.identity), userAgent: share(entry.userAgent) });
  }
  return {
    account,
    firstMs: entries[0]!.timeMs,
    lastMs: entries[entries.length - 1]!.timeMs,
    lookups: [...lookups],
    entries: JSON.stringify({ shared, events } satisfies StoredEntries),
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
  const stored = JSON.parse(block.entries!) as StoredEntries;
  const entries = stored.events.map((event): AuditEntry => ({
    ...event,
    identity: stored.shared[event.identity] as AuditEntry['identity'],
    userAgent: stored.shared[event.userAgent] as AuditEntry['userAgent'],
  }));
  return entries.map((entry) => ({
    id: entry.eventId,
    sortKey: sortKeyOf(entry.timeMs, entry.eventId),
    timeMs: entry.timeMs,
    account: entry.account,
    lookups: () => lookupsOf(entry),
    record: () => toAuditRecord(entry),
  }));
}
