// Credential reports are generated in a store worker (app-store-worker.ts): it runs the domain's
// generateAndStoreReport with a store connection of its own, so the request thread's event loop
// never holds a large account's report (reading 5,000 users and their keys and the previous
// report, building and storing a megabyte of CSV); only the report's state crosses back. The
// worker starts ahead of the first report and stays, idle, for the next.
import type { CredentialReportGenerator } from './domain/iam.ts';
import { generateAndStoreReport } from './domain/iam/credential-report.ts';
import { createStoreWorker, serveStoreTasks, type StoreLocation } from './app-store-worker.ts';

interface Task {
  readonly account: string;
  /** The request thread's clock (tests may set it), for the previous report's age. */
  readonly nowMs: number;
  readonly generatedAt: string;
}

type State = 'STARTED' | 'COMPLETE';

const ROLE = 'portcullis-credential-reports';

export interface ReportWorker {
  readonly generate: CredentialReportGenerator;
  /** Starts the worker ahead of the first report (it loads its modules and opens its store). */
  warm(): void;
  close(): Promise<void>;
}

export function createReportWorker(location: StoreLocation): ReportWorker {
  const worker = createStoreWorker<Task, State>({
    moduleUrl: import.meta.url,
    role: ROLE,
    location,
    failure: 'The credential report could not be built',
    name: 'The credential report worker',
  });
  return {
    generate: (account, nowMs, generatedAt) => worker.send({ account, nowMs, generatedAt }),
    warm: () => worker.warm(),
    close: () => worker.close(),
  };
}

serveStoreTasks<Task, State>(
  ROLE,
  (store) => (task) => generateAndStoreReport(store, task.account, task.nowMs, task.generatedAt),
);
