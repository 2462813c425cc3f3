// A worker thread with a store connection of its own, part of the composition root like app.ts:
// the request thread hands it tasks (a credential report to build, an audit batch to write) and
// waits for their answers, so that its event loop — which every other request waits on — never
// holds the work or the database while it is done. Tasks run one at a time, in order. The worker
// runs a little below the request thread (Linux sets niceness per thread): on a busy machine
// requests go first and the worker takes what is left.
import { setPriority } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { workerEntry } from './domain/bounded-worker.ts';
import type { Store } from './domain/store.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { openPostgresStore } from './storage/postgres/postgres-store.ts';

/** How a worker reaches the server's store. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'postgres'; readonly connectionString: string };

const NICE = 5;

type Answer<Result> =
  { readonly id: number; readonly result: Result } | { readonly id: number; readonly error: string };

export interface StoreWorker<Task, Result> {
  send(task: Task): Promise<Result>;
  /** Starts the worker ahead of its first task (it loads its modules and opens its store). */
  warm(): void;
  close(): Promise<void>;
}

export interface StoreWorkerOptions {
  /** The module that serves the tasks (its import.meta.url): it calls serveStoreTasks. */
  readonly moduleUrl: string;
  /** The name the module recognises itself by in the worker. */
  readonly role: string;
  readonly location: StoreLocation;
  /** What failed, for the error a failed task is answered with ("The credential report could not be built"). */
  readonly failure: string;
  /** What stopped, for the error pending tasks get if the worker exits ("The audit writer"). */
  readonly name: string;
  /**
   * Whether the worker keeps the process alive while it has tasks (a shutdown's last audit batch is
   * written before the process ends); an idle worker never does.
   */
  readonly keepAliveWhileBusy?: boolean;
  /**
   * Whether the worker keeps a large task's heap between tasks. V8 shrinks an idle isolate's heap
   * (its "memory reducer", and a young generation sized to the last allocation rate), so a worker
   * that builds a 5,000-user report every few minutes met each one with a 10 MB heap and paid for
   * growing it again: ~25 collections instead of ~5, their parallel part on V8's helper threads,
   * which run at the request thread's priority, not the worker's (measured: the worker's first
   * report after 30 s idle took ~1.5-2 times the CPU of the next, whether or not it had rehearsed).
   * The worker's isolate is made without the memory reducer and with young-generation semi-spaces
   * of at least YOUNG_SEMI_SPACE_MB: its heap stays at the size its tasks grew it to.
   */
  readonly keepsHeap?: boolean;
}

/** Each semi-space of a heap-keeping worker's young generation is at least this large (V8's maximum by default). */
const YOUNG_SEMI_SPACE_MB = 16;

/**
 * V8 reads these flags when it creates an isolate: set for the moment the worker's isolate is made,
 * and set back once it runs, they apply to that worker only (not to the request thread, whose heap
 * already exists, nor to workers made later). A worker made in between by someone else would share
 * them — harmless: it would only keep its heap too.
 */
function withHeapKept(start: () => Worker): Worker {
  setFlagsFromString('--no-memory-reducer');
  setFlagsFromString(`--min-semi-space-size=${YOUNG_SEMI_SPACE_MB}`);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    setFlagsFromString('--memory-reducer');
    setFlagsFromString('--min-semi-space-size=0');
  };
  try {
    const worker = start();
    worker.once('online', restore);
    worker.once('error', restore);
    worker.once('exit', restore);
    return worker;
  } catch (error) {
    restore();
    throw error;
  }
}

/** The request thread's side: starts the worker on first use, and again after it stops. */
export function createStoreWorker<Task, Result>(options: StoreWorkerOptions): StoreWorker<Task, Result> {
  let worker: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (result: Result) => void; reject: (e: Error) => void }>();
  const failAll = (error: Error) => {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const make = () =>
      new Worker(workerEntry(options.moduleUrl), {
        eval: true,
        workerData: { role: options.role, location: options.location },
      });
    const started = options.keepsHeap ? withHeapKept(make) : make();
    started.on('message', (answer: Answer<Result>) => {
      const pending = waiting.get(answer.id);
      if (!pending) return;
      waiting.delete(answer.id);
      if (waiting.size === 0) started.unref();
      if ('result' in answer) pending.resolve(answer.result);
      else pending.reject(new Error(`${options.failure}: ${answer.error}`));
    });
    started.on('error', (error: unknown) =>
      failAll(error instanceof Error ? error : new Error(String(error))),
    );
    started.on('exit', (code) => failAll(new Error(`${options.name} stopped (${code}).`)));
    started.unref();
    return started;
  };
  return {
    warm() {
      worker ??= start();
    },
    send(task) {
      worker ??= start();
      const id = nextId++;
      if (options.keepAliveWhileBusy) worker.ref();
      return new Promise<Result>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker!.postMessage({ id, task });
      });
    },
    async close() {
      const running = worker;
      worker = undefined;
      if (running) await running.terminate();
    },
  };
}

/**
 * The worker's side, called at the top level of the module named by moduleUrl: in the worker that
 * was started for `role`, opens the store, makes the task handler with it (`serve`) and answers
 * each task with the handler's result, in order; anywhere else, does nothing.
 */
export function serveStoreTasks<Task, Result>(
  role: string,
  serve: (store: Store) => ((task: Task) => Promise<Result>) | Promise<(task: Task) => Promise<Result>>,
): void {
  if (isMainThread || (workerData as { role?: string } | undefined)?.role !== role) return;
  const location = (workerData as { location: StoreLocation }).location;
  setPriority(NICE);
  const opening: Promise<Store> =
    location.kind === 'sqlite'
      ? Promise.resolve(openSqliteStore({ filename: location.filename }))
      : openPostgresStore({ connectionString: location.connectionString, poolSize: 1, keepIdle: true });
  const handler = opening.then(serve);
  let queue: Promise<unknown> = handler.catch(() => undefined);
  parentPort!.on('message', ({ id, task }: { id: number; task: Task }) => {
    queue = queue.then(async () => {
      try {
        const result = await (await handler)(task);
        parentPort!.postMessage({ id, result } satisfies Answer<Result>);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        parentPort!.postMessage({ id, error: message } satisfies Answer<Result>);
      }
    });
  });
}
