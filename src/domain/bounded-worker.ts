// Work too large for the request thread (parsing or verifying XML of the sizes AWS's API model
// allows), run in a worker thread of its own with a time and memory budget, one job of a kind at a
// time. The worker is the calling module itself, loaded again in the thread: it recognises its job
// by `workerData.role` and posts one answer.
import { Worker } from 'node:worker_threads';

export interface WorkerBudget {
  readonly timeoutMs: number;
  readonly heapMb: number;
}

/**
 * Runs the module at `moduleUrl` in a fresh worker with `job` as its workerData; resolves with the
 * worker's first message, or with undefined when it throws, exits without answering, or runs out of
 * time or memory (it is then terminated).
 */
export function runInWorker<T>(
  moduleUrl: string,
  job: { readonly role: string },
  budget: WorkerBudget,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const worker = new Worker(workerEntry(moduleUrl), {
      eval: true,
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: budget.heapMb },
    });
    let settled = false;
    const finish = (answer: T | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), budget.timeoutMs);
    worker.once('message', (answer: T) => finish(answer));
    worker.once('error', () => finish(undefined));
    worker.once('exit', () => finish(undefined));
  });
}

/** A queue that runs the work given to it one at a time, in order, whatever each one's outcome. */
export function oneAtATime(): <T>(work: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return (work) => {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn;
  };
}

/**
 * The code a worker evaluates to load the module at `moduleUrl`: built JavaScript as it is;
 * TypeScript sources (tests and development run them through tsx) after registering tsx in the
 * worker, whose module loading does not inherit the main thread's hooks on Node.js 20.
 */
export function workerEntry(moduleUrl: string): string {
  const self = JSON.stringify(moduleUrl);
  if (!moduleUrl.endsWith('.ts')) return `import(${self});`;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((tsx) => { tsx.register(); return import(${self}); });`;
}
