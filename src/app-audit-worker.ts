// The audit trail's events are written in a worker thread, part of the composition root like
// app.ts: the worker opens a store connection of its own and inserts the blocks of each batch the
// request thread hands it (one row per block and its lookup rows), so the request thread never
// waits on the database for its trail; it pays for building the blocks and copying them over.
// The worker starts with the first batch and stays; if it stops, the next batch starts another
// (the trail keeps a batch that was not written and hands it over again).
import { storeSink, type AuditBlock, type AuditSink } from './domain/audit/index.ts';
import { createStoreWorker, serveStoreTasks, type StoreLocation } from './app-store-worker.ts';

type Task =
  /** A batch's blocks: plain data whose large part, each block's entries, is one string (a copy). */
  { readonly write: readonly AuditBlock[] } | { readonly sweepBefore: number };

const ROLE = 'portcullis-audit-writer';

export interface AuditWorker extends AuditSink {
  close(): Promise<void>;
}

export function createAuditWorker(location: StoreLocation): AuditWorker {
  const worker = createStoreWorker<Task, void>({
    moduleUrl: import.meta.url,
    role: ROLE,
    location,
    failure: 'audit events not written',
    name: 'The audit writer',
    // A shutdown's last flush is written before the process ends.
    keepAliveWhileBusy: true,
  });
  return {
    write: (blocks) => worker.send({ write: blocks }),
    sweep: (cutoffMs) => worker.send({ sweepBefore: cutoffMs }),
    close: () => worker.close(),
  };
}

// One task at a time, in order (the store worker's rule): a sweep never overtakes the batch before it.
serveStoreTasks<Task, void>(ROLE, (store) => {
  const sink = storeSink(store);
  return (task) => ('write' in task ? sink.write(task.write) : sink.sweep(task.sweepBefore));
});
