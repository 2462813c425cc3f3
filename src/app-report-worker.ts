// Credential reports are generated in a worker thread, part of the composition root like app.ts:
// the worker opens a store connection of its own and runs the domain's generateAndStoreReport
// there, so the request thread's event loop — which every other request waits on — never holds a
// large account's report (reading 5,000 users and their keys and the previous report, building and
// storing a megabyte of CSV); only the report's state crosses back. The worker starts ahead of the
// first report and stays, idle, for the next.
import { setPriority } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { workerEntry } from './domain/bounded-worker.ts';
import type { CredentialReportGenerator } from './domain/iam.ts';
import { generateAndStoreReport, WORKER_ROWS_PER_READ } from './domain/iam/credential-report.ts';
import type { Store } from './domain/store.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { openPostgresStore } from './storage/postgres/postgres-store.ts';

/** How the worker reaches the server's store. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'postgres'; readonly connectionString: string };

interface Task {
  readonly id: number;
  readonly account: string;
  /** The request thread's clock (tests may set it), for the previous report's age. */
  readonly nowMs: number;
  readonly generatedAt: string;
}

type Answer =
  | { readonly id: number; readonly state: 'STARTED' | 'COMPLETE' }
  | { readonly id: number; readonly error: string };

const ROLE = 'portcullis-credential-reports';
/**
 * The worker's thread runs a little below the request thread (Linux sets niceness per thread),
 * so that on a busy machine requests go first and the report takes what is left.
 */
const NICE = 5;

export interface ReportWorker {
  readonly generate: CredentialReportGenerator;
  /** Starts the worker ahead of the first report (it loads its modules and opens its store). */
  warm(): void;
  close(): Promise<void>;
}

export function createReportWorker(location: StoreLocation): ReportWorker {
  let worker: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<
    number,
    { resolve: (state: 'STARTED' | 'COMPLETE') => void; reject: (e: Error) => void }
  >();
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
      if ('state' in answer) pending.resolve(answer.state);
      else pending.reject(new Error(`The credential report could not be built: ${answer.error}`));
    });
    started.on('error', (error: unknown) =>
      failAll(error instanceof Error ? error : new Error(String(error))),
    );
    started.on('exit', (code) => failAll(new Error(`The credential report worker stopped (${code}).`)));
    started.unref();
    return started;
  };
  return {
    warm() {
      worker ??= start();
    },
    generate(account, nowMs, generatedAt) {
      worker ??= start();
      const id = nextId++;
      return new Promise<'STARTED' | 'COMPLETE'>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker!.postMessage({ id, account, nowMs, generatedAt } satisfies Task);
      });
    },
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
  parentPort!.on('message', (task: Task) => {
    generateAndStoreReport(store, task.account, task.nowMs, task.generatedAt, WORKER_ROWS_PER_READ).then(
      (state) => parentPort!.postMessage({ id: task.id, state } satisfies Answer),
      (error: unknown) =>
        parentPort!.postMessage({
          id: task.id,
          error: error instanceof Error ? error.message : String(error),
        } satisfies Answer),
    );
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  void serve((workerData as { location: StoreLocation }).location);
}
