// The audit trail's writer: every call is pushed to this node's buffer and handed on in batches, a
// moment later (or at once when many wait) and at shutdown, as blocks (blocks.ts) — so a request
// pays for building its entry and a share of its block, not for a write. Where a batch goes is the sink's business: the store in this thread
// (storeSink), or a worker thread with a store connection of its own, which keeps the inserts off
// the request thread (the composition root's choice). Each node writes its own events; LookupEvents
// on any node reads them all from the store. Blocks whose newest event is older than the retention are
// swept a batch at a time, at most once a minute per node, by the age index.
import type { Store } from '../store.ts';
import { auditBlocks, auditLookups } from '../tables.ts';
import { blockRows, blocksOf, type AuditBlock } from './blocks.ts';
import { auditEntry, type AuditCall, type AuditEntry } from './events.ts';

/** Where batches of events are written. */
export interface AuditSink {
  write(blocks: readonly AuditBlock[]): Promise<void>;
  /** Deletes the events older than `cutoffMs`. */
  sweep(cutoffMs: number): Promise<void>;
}

export interface AuditTrailOptions {
  /** How long events are kept (CloudTrail's event history: 90 days). */
  readonly retentionDays: number;
  /** Called when a batch could not be written (it is tried again with the next flush). */
  readonly onError?: (error: unknown) => void;
  /** The clock the retention is measured by. */
  readonly now: () => Date;
  readonly sink: AuditSink;
}

export interface AuditTrail {
  record(call: AuditCall): void;
  /** Writes what is buffered; resolves once it is stored. */
  flush(): Promise<void>;
}

const FLUSH_DELAY_MS = 200;
const FLUSH_AT = 256;
/** When the store cannot keep up (or is down), the oldest unwritten events go past this many. */
const BUFFER_LIMIT = 100_000;
const SWEEP_EVERY_MS = 60_000;
/** Blocks removed per transaction (each with its lookup rows). */
const SWEEP_BATCH = 100;

export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const { sink } = options;
  let pending: AuditEntry[] = [];
  let failed: AuditEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** A batch write is queued: more calls join the next batch instead of asking for another write. */
  let queued = false;
  let lastSweep = 0;

  /** Writes one batch (or, with `all`, everything buffered); flushes run one at a time. */
  const write = (all: boolean): Promise<void> => {
    chain = chain.then(async () => {
      queued = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      do {
        const calls = pending;
        pending = [];
        const batch = failed.length > 0 ? [...failed, ...calls] : calls;
        failed = [];
        if (batch.length === 0) break;
        try {
          await sink.write(blocksOf(batch));
        } catch (error) {
          failed = batch.slice(-BUFFER_LIMIT);
          options.onError?.(error);
          break;
        }
      } while (all && pending.length > 0);
      if (pending.length > 0 || failed.length > 0)
        timer ??= setTimeout(() => void write(false), FLUSH_DELAY_MS).unref();
      const now = options.now().getTime();
      if (now - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = now;
        await sink
          .sweep(now - options.retentionDays * 86_400_000)
          .catch((error: unknown) => options.onError?.(error));
      }
    });
    return chain;
  };

  return {
    record(call) {
      if (pending.length >= BUFFER_LIMIT) pending.shift();
      pending.push(auditEntry(call));
      if (pending.length >= FLUSH_AT && !queued) {
        queued = true;
        void write(false);
      } else timer ??= setTimeout(() => void write(false), FLUSH_DELAY_MS).unref();
    },
    flush: () => write(true),
  };
}

/** The store itself as the sink: each batch one transaction. */
export function storeSink(store: Store): AuditSink {
  return {
    write: (blocks) =>
      store.write(async (tx) => {
        for (const block of blocks) {
          const rows = blockRows(block);
          await tx.insert(auditBlocks, rows.block);
          for (const lookup of rows.lookups) await tx.insert(auditLookups, lookup);
        }
      }),
    sweep: (cutoffMs) => sweep(store, cutoffMs),
  };
}

/** Removes blocks whose newest event is older than `cutoffMs`, oldest first, a bounded number per sweep. */
async function sweep(store: Store, cutoffMs: number): Promise<void> {
  const cutoff = new Date(cutoffMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (let round = 0; round < 10; round++) {
    const removed = await store.write(async (tx) => {
      const oldest = await tx.list(auditBlocks, { orderBy: 'last_time', limit: SWEEP_BATCH });
      let count = 0;
      for (const block of oldest) {
        if (block.lastTime >= cutoff) break;
        for (let n = 0; n < block.lookups; n++) await tx.delete(auditLookups, `${block.id}:${n}`);
        await tx.delete(auditBlocks, block.id);
        count++;
      }
      return count;
    });
    if (removed < SWEEP_BATCH) return;
  }
}
