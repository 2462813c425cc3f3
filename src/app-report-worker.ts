// Credential reports are generated in a store worker (app-store-worker.ts): it runs the domain's
// generateAndStoreReport with a store connection of its own, so the request thread's event loop
// never holds a large account's report (reading 5,000 users and their keys and the previous
// report, building and storing a megabyte of CSV); only the report's state crosses back. The
// worker starts ahead of the first report and stays, idle, for the next.
import type { CredentialReportGenerator } from './domain/iam.ts';
import { generateAndStoreReport, rehearseReport } from './domain/iam/credential-report.ts';
import { buildCredentialReport, type ReportPrincipal } from './domain/iam/credential-report-csv.ts';
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
    keepsHeap: true,
  });
  return {
    generate: (account, nowMs, generatedAt) => worker.send({ account, nowMs, generatedAt }),
    warm: () => worker.warm(),
    close: () => worker.close(),
  };
}

serveStoreTasks<Task, State>(ROLE, async (store) => {
  rehearse();
  // A report asked for meanwhile waits for this (tasks are served once the handler is ready); a
  // rehearsal that fails (the database away at start) leaves the first report cold, nothing more.
  await rehearseReport(store, REHEARSAL_ROWS).catch(() => false);
  return (task) => generateAndStoreReport(store, task.account, task.nowMs, task.generatedAt);
});

/**
 * Rows of each table the worker reads, at start, to rehearse a report on real rows (see
 * rehearseReport): as many as AWS's quota of users per account, so that the worker's heap grows to
 * the largest report's size before the first one.
 */
const REHEARSAL_ROWS = 5000;

/**
 * Builds a made-up account's report once, when the worker starts: a fresh worker runs the report's
 * code interpreted until V8 has seen it often enough to optimize it, and without this the first
 * real report paid for that (measured, one idle process: a 5,000-user report took 160-220 ms in a
 * fresh worker against 80-120 ms in one that had built a report; under load, at the worker's
 * lower priority, the difference grows several times). The rehearsal costs the worker's own
 * thread some tens of milliseconds at start, before anyone waits for a report.
 */
function rehearse(): void {
  const principal = (i: number): ReportPrincipal => ({
    id: `AIDAREHEARSAL${i}`,
    name: `user-${i}`,
    arn: `arn:aws:iam::000000000000:user/user-${i}`,
    createdAt: '2024-01-02T03:04:05Z',
    hasPassword: i % 2 === 0,
    passwordLastUsed: i % 3 === 0 ? '2024-02-03T04:05:06Z' : undefined,
    passwordChangedAt: '2024-01-02T03:04:05Z',
    mfaActive: i % 2 === 1,
    accessKeys: [
      {
        id: `AKIAREHEARSAL${i}`,
        status: 'Active',
        createdAt: '2024-01-02T03:04:05Z',
        ...(i % 2 === 0
          ? { lastUsed: { date: '2024-03-04T05:06:07Z', region: 'us-east-1', service: 'iam' } }
          : {}),
      },
    ],
    certificates: [],
  });
  const users = Array.from({ length: REHEARSAL_USERS }, (_, i) => principal(i + 1));
  const first = buildCredentialReport({ root: principal(0), users, passwordPolicy: { MaxPasswordAge: 90 } });
  buildCredentialReport({ root: principal(0), users, passwordPolicy: undefined, previousSlots: first.slots });
}

const REHEARSAL_USERS = 2000;
