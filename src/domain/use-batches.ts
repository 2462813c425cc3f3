// Use recorded without becoming a write per request, the one way both records of use are kept
// (an access key's last use, key-uses.ts; a principal's last access per service, service-uses.ts):
// AWS records use at coarse granularity and says it may show late; so does this.
// - A node notes a use when its place (region, service) changes, or when the last use it noted
//   there is 15 minutes old; other uses change nothing.
// - Noted uses are written together, in one transaction a second later (or at once when many
//   wait), off the request's path. Before this node reads uses it writes what it has noted
//   (`flush`), so its own answers are never behind; another node's are at most a second behind.
import type { Iam } from './iam.ts';
import type { Table } from './store.ts';

const GRANULARITY_MS = 15 * 60 * 1000;
const FLUSH_DELAY_MS = 1000;
const FLUSH_AT = 500;
const MEMORY_LIMIT = 100_000;

interface Recorder<R> {
  /** What this node last noted per row id: when, and where (the row's place). */
  readonly noted: Map<string, { at: number; place: string }>;
  /** Uses noted and not yet written. */
  pending: Map<string, R>;
  timer: NodeJS.Timeout | undefined;
  flushing: Promise<void>;
}

export interface UseBatches<R extends { readonly id: string }> {
  /** Notes a use for the row `id` at `place`; `row` makes the row to write (with the time given). */
  note(iam: Iam, id: string, place: string, row: (date: string) => R): void;
  /** Writes the uses this node has noted and not yet written (one flush at a time). */
  flush(iam: Iam): Promise<void>;
}

/** The batches of uses kept in one table, per Iam (so per node). */
export function useBatches<R extends { readonly id: string }>(table: Table<R>): UseBatches<R> {
  const recorders = new WeakMap<Iam, Recorder<R>>();
  const recorderOf = (iam: Iam): Recorder<R> => {
    let recorder = recorders.get(iam);
    if (!recorder) {
      recorder = { noted: new Map(), pending: new Map(), timer: undefined, flushing: Promise.resolve() };
      recorders.set(iam, recorder);
    }
    return recorder;
  };

  function flush(iam: Iam): Promise<void> {
    const recorder = recorderOf(iam);
    recorder.flushing = recorder.flushing.then(async () => {
      if (recorder.timer) clearTimeout(recorder.timer);
      recorder.timer = undefined;
      const batch = [...recorder.pending.values()];
      recorder.pending = new Map();
      if (batch.length === 0) return;
      try {
        await iam.store.write(async (tx) => {
          for (const use of batch) await tx.put(table, use);
        });
      } catch {
        // Use is advisory: what could not be written now is written with the next flush.
        for (const use of batch) if (!recorder.pending.has(use.id)) recorder.pending.set(use.id, use);
        recorder.timer ??= setTimeout(() => void flush(iam), FLUSH_DELAY_MS).unref();
      }
    });
    return recorder.flushing;
  }

  function note(iam: Iam, id: string, place: string, row: (date: string) => R): void {
    const recorder = recorderOf(iam);
    const now = iam.now();
    const last = recorder.noted.get(id);
    if (last && last.place === place && now.getTime() - last.at < GRANULARITY_MS) return;
    if (recorder.noted.size >= MEMORY_LIMIT) recorder.noted.clear();
    recorder.noted.set(id, { at: now.getTime(), place });
    recorder.pending.set(id, row(now.toISOString().replace(/\.\d{3}Z$/, 'Z')));
    if (recorder.pending.size >= FLUSH_AT) void flush(iam);
    else recorder.timer ??= setTimeout(() => void flush(iam), FLUSH_DELAY_MS).unref();
  }

  return { note, flush };
}
