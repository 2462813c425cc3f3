// The audit trail's events are written in a worker thread, part of the composition root like
// app.ts: the worker opens a store connection of its own and inserts the blocks of each batch the
// request thread hands it (one row per block and its lookup rows), so the request thread never
// waits on the database for its trail; it pays for building the blocks and copying them over.
// The worker starts with the first batch and stays; if it stops, the next batch starts another
// (the trail keeps a batch that was not written and hands it over again).
import { setPriority } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { workerEntry } from './domain/bounded-worker.ts';
import { storeSink, type AuditBlock, type AuditSink } from './domain/audit/index.ts';
import type { Store } from './domain/store.ts';
import type { StoreLocation } from './app-report-worker.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { openPostgresStore } from './storage/postgres/postgres-store.ts';

type Task =
  /** A batch's blocks: plain data whose large part, each block's entries, is one string (a copy). */
  | { readonly id: number; readonly write: readonly AuditBlock[] }
  | { readonly id: number; readonly sweepBefore: number };

type Answer = { readonly id: number; readonly error?: string };

const ROLE = 'portcullis-audit-writer';
/** Below the request thread (Linux sets niceness per thread): on a busy machine requests go first. */
const NICE = 5;

export interface AuditWorker extends AuditSink {
  close(): Promise<void>;
}

export function createAuditWorker(location: StoreLocation): AuditWorker {
  let worker: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const failAll = (error: Error) => {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const started = new Worker(workerEntry(import.meta.url), {
      eval: true,
      workerData: { role: ROLE, location },
    });
    started.on('message', (answer: Answer) => {
      const pending = waiting.get(answer.id);
      if (!pending) return;
      waiting.delete(answer.id);
      if (waiting.size === 0) started.unref();
      if (answer.error === undefined) pending.resolve();
      else pending.reject(new Error(`audit events not written: ${answer.error}`));
    });
    started.on('error', (error: unknown) =>
      failAll(error instanceof Error ? error : new Error(String(error))),
    );
    started.on('exit', (code) => failAll(new Error(`The audit writer stopped (${code}).`)));
    started.unref();
    return started;
  };
  const send = (task: Omit<Task, 'id'>): Promise<void> => {
    worker ??= start();
    const id = nextId++;
    // An idle worker does not keep the process alive; one with a batch to write does, so that a
    // shutdown's last flush is written before the process ends.
    worker.ref();
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker!.postMessage({ ...task, id });
    });
  };
  return {
    write: (blocks) => send({ write: blocks }),
    sweep: (cutoffMs) => send({ sweepBefore: cutoffMs }),
    async close() {
      const running = worker;
      worker = undefined;
      if (running) await running.terminate();
    },
  };
}

async function serve(location: StoreLocation): Promise<void> {
  setPriority(NICE);
  const store: Store =
    location.kind === 'sqlite'
      ? openSqliteStore({ filename: location.filename })
      : await openPostgresStore({ connectionString: location.connectionString, poolSize: 1 });
  const sink = storeSink(store);
  // One task at a time, in order: a sweep never overtakes the batch before it.
  let queue = Promise.resolve();
  parentPort!.on('message', (task: Task) => {
    queue = queue.then(() =>
      ('write' in task ? sink.write(task.write) : sink.sweep(task.sweepBefore)).then(
        () => parentPort!.postMessage({ id: task.id } satisfies Answer),
        (error: unknown) =>
          parentPort!.postMessage({
            id: task.id,
            error: error instanceof Error ? error.message : String(error),
          } satisfies Answer),
      ),
    );
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  void serve((workerData as { location: StoreLocation }).location);
}
