// The credential report: GenerateCredentialReport and GetCredentialReport.
//
// The report is a snapshot: Generate reads the whole account in one read transaction — a handful
// of set-based queries (users a page at a time, their keys, last uses and MFA devices), yielding
// to other requests between pages — and then keeps the CSV with the time it was generated in a
// short write (credential_reports, by account); Get returns that copy, so later changes show only
// after a regeneration, as on AWS. The CSV itself is built by credential-report-csv.ts.
//
// AWS's rules (IAM API reference; IAM User Guide "Generate credential reports for your AWS
// account"; the guide's recorded responses):
// - Generate answers STARTED with "No report exists. Starting a new report generation task" when
//   it starts a new report, and COMPLETE (no Description) while the latest report is younger than
//   four hours: that report is reused, not regenerated. Generating here is quick, so it is done
//   within the call that answers STARTED, and the report can be fetched at once.
// - Get answers ReportNotPresent (410, no Message, as AWS sends it) before any report exists, and
//   ReportExpired (410, also without a Message) once the latest report is four hours old. AWS
//   documents no age, and one user saw AWS answer an expired report with ReportNotPresent
//   (prowler-cloud/prowler #272); the API reference's ReportExpired is kept here, as the contract
//   (credential-report.md §1.2) asks.
// - Both are authorized on "*" (the service authorization reference lists no resource type for
//   them; AWS's example policy grants them on "Resource": "*").
import { IamError } from '../errors.ts';
import { rootArn } from '../names.ts';
import type { Scalar, Store, StoreTx, Table, Where } from '../store.ts';
import { ROOT_OWNER, type AccessKeyRecord, type LastUsedRecord } from '../records.ts';
import { accessKeys, accounts, credentialReports, lastUsed, mfaDevices, users } from '../tables.ts';
import { type Operation, check, isoNow } from '../operation.ts';
import type { CredentialReportGenerator } from '../iam.ts';
import { userArn } from './users.ts';
import { flushKeyUses } from '../key-uses.ts';
import {
  buildCredentialReportPaced,
  ROOT_ROW_NAME,
  type CredentialSlots,
  type ReportKey,
  type ReportPrincipal,
} from './credential-report-csv.ts';

/** A report younger than this is reused by Generate and served by Get; older, it has expired. */
export const CREDENTIAL_REPORT_MAX_AGE_MS = 4 * 60 * 60 * 1000;

export const REPORT_STARTED_DESCRIPTION = 'No report exists. Starting a new report generation task';

export interface CredentialReportRecord {
  readonly account: string;
  /** ISO 8601, whole seconds (GeneratedTime). */
  readonly generatedAt: string;
  /** The CSV as generated (UTF-8 text; base64 only on the wire). */
  readonly content: string;
  /** Which access key and certificate held slots 1 and 2 for each principal, kept for the next report. */
  readonly slots: Record<string, CredentialSlots>;
}

function isFresh(report: CredentialReportRecord, nowMs: number): boolean {
  return nowMs - Date.parse(report.generatedAt) < CREDENTIAL_REPORT_MAX_AGE_MS;
}

/**
 * What GenerateCredentialReport does once authorized, wherever it runs (in the server's report
 * worker, or here): unless the account's latest report is fresh, builds a new one from one snapshot
 * and stores it in a short write of its own. The previous report (a megabyte for a large account)
 * is read, and the new one written, by whoever runs this — not by the request thread when a worker
 * does.
 */
export async function generateAndStoreReport(
  store: Store,
  account: string,
  nowMs: number,
  generatedAt: string,
  rowsPerRead = PAGE,
): Promise<'STARTED' | 'COMPLETE'> {
  const due = await store.read(async (tx) => {
    const previous = await tx.get(credentialReports, account);
    return previous && isFresh(previous, nowMs) ? undefined : { previous };
  });
  if (!due) return 'COMPLETE';
  const report = await store.read((tx) =>
    generateReport(tx, account, generatedAt, due.previous, rowsPerRead),
  );
  // A put of the account's own report row: nothing to queue behind the account's other writers (and
  // the report worker's one PostgreSQL connection could not also hold the account's lock).
  await store.write((tx) => tx.put(credentialReports, report));
  return 'STARTED';
}

/**
 * Report lines are built, and rows read, this many at a time, with a pause between pages: no step
 * of a 5,000-user report holds the event loop, or one database query, for long. The report worker
 * reads in the same pages (GetUser's p99 stays under 50 ms while it runs: bench/RESULTS.md).
 */
const PAGE = 500;

function yieldToOtherRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Reads the account from `tx` (one snapshot) and builds a new report. `maxRows` bounds the rows
 * read from each table (a rehearsal's partial report; a real report reads them all).
 */
export async function generateReport(
  tx: StoreTx,
  account: string,
  generatedAt: string,
  previous: CredentialReportRecord | undefined,
  rowsPerRead = PAGE,
  maxRows = Infinity,
): Promise<CredentialReportRecord> {
  const accountRecord = await tx.get(accounts, account);
  if (!accountRecord) throw new IamError('ServiceFailure', 'The account could not be read.');
  const where = { account };
  const uses = new Map<string, LastUsedRecord>();
  for await (const page of pages(tx, lastUsed, where, 'id', rowsPerRead, maxRows))
    for (const use of page) uses.set(use.id, use);
  const keys: AccessKeyRecord[] = [];
  for await (const page of pages(tx, accessKeys, where, 'id', rowsPerRead, maxRows)) keys.push(...page);
  keys.sort((a, b) => a.position - b.position);
  const keysByOwner = new Map<string, ReportKey[]>();
  for (const key of keys) {
    const owner = key.userId ?? ROOT_OWNER;
    const list = keysByOwner.get(owner) ?? [];
    list.push(reportKey(key, uses.get(key.id)));
    keysByOwner.set(owner, list);
  }
  const devicesByOwner = await tx.tally(mfaDevices, 'owner_id', { account });
  const root: ReportPrincipal = {
    id: ROOT_ROW_NAME,
    name: ROOT_ROW_NAME,
    arn: rootArn(account),
    createdAt: accountRecord.createdAt,
    hasPassword: Boolean(accountRecord.rootPasswordHash),
    passwordLastUsed: accountRecord.rootPasswordLastUsed,
    passwordChangedAt: undefined,
    mfaActive: (devicesByOwner.get(ROOT_OWNER) ?? 0) > 0,
    accessKeys: keysByOwner.get(ROOT_OWNER) ?? [],
    certificates: [],
  };
  const principals: ReportPrincipal[] = [];
  for await (const page of pages(tx, users, where, 'name_lower', rowsPerRead, maxRows)) {
    for (const user of page)
      principals.push({
        id: user.id,
        name: user.name,
        arn: userArn(user),
        createdAt: user.createdAt,
        hasPassword: user.loginProfile !== undefined,
        passwordLastUsed: user.passwordLastUsed,
        passwordChangedAt: user.loginProfile?.passwordChangedAt,
        mfaActive: (devicesByOwner.get(user.id) ?? 0) > 0,
        accessKeys: keysByOwner.get(user.id) ?? [],
        certificates: user.signingCertificates ?? [],
      });
  }
  const built = await buildCredentialReportPaced(
    { root, users: principals, passwordPolicy: accountRecord.passwordPolicy, previousSlots: previous?.slots },
    yieldToOtherRequests,
    PAGE,
  );
  return { account, generatedAt, content: built.csv, slots: built.slots };
}

/**
 * Every row matching `where` in `orderBy` order (the first `maxRows` of them), a page at a time,
 * pausing between pages. Pages, not rows: an async generator's `yield` costs a promise, 5,000 of
 * them per table of a large account.
 */
async function* pages<T>(
  tx: StoreTx,
  table: Table<T>,
  where: Where,
  orderBy: string,
  rowsPerPage: number,
  maxRows: number,
): AsyncGenerator<readonly T[]> {
  let after: Scalar | undefined;
  let left = maxRows;
  for (;;) {
    const limit = Math.min(rowsPerPage, left);
    const page = await tx.list(table, { where, orderBy, after, limit });
    yield page;
    left -= page.length;
    if (page.length < limit || left <= 0) return;
    after = table.columns[orderBy]?.(page[page.length - 1]!) ?? table.id(page[page.length - 1]!);
    await yieldToOtherRequests();
  }
}

/**
 * Reads, and builds without storing, the report of one account of the store — at most `maxRows`
 * rows of each of its tables — so that a fresh report worker has run the whole read path on real
 * rows before anyone waits for a report: the driver's row parsing, the records' decoding and the
 * report's assembly (interpreted until V8 has seen them run often enough), the database's plans for
 * the report's statements, and the worker's heap grown to a large report's size (which the worker
 * keeps: app-store-worker.ts, keepsHeap). The account is the one of the store's first user by id:
 * which one does not matter, only that it has rows. False when the store has no users.
 */
export async function rehearseReport(store: Store, maxRows: number): Promise<boolean> {
  return store.read(async (tx) => {
    const [user] = await tx.list(users, { limit: 1 });
    if (!user) return false;
    const generatedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await generateReport(tx, user.account, generatedAt, undefined, PAGE, maxRows);
    return true;
  });
}

function reportKey(key: AccessKeyRecord, used: LastUsedRecord | undefined): ReportKey {
  return {
    id: key.id,
    status: key.status,
    createdAt: key.createdAt,
    ...(used ? { lastUsed: { date: used.date, region: used.region, service: used.service } } : {}),
  };
}

export const credentialReportOperations: Record<string, Operation> = {
  async GenerateCredentialReport(ctx) {
    const { account } = ctx.caller;
    await flushKeyUses(ctx.iam);
    await ctx.iam.store.read((tx) => check(ctx, tx, 'iam:GenerateCredentialReport', '*'));
    // Elsewhere when the server offers it (a worker thread), while other requests go on.
    const generate =
      ctx.iam.generateCredentialReport ??
      ((...args: Parameters<CredentialReportGenerator>) => generateAndStoreReport(ctx.iam.store, ...args));
    const state = await generate(account, ctx.iam.now().getTime(), isoNow(ctx));
    return state === 'COMPLETE'
      ? { State: 'COMPLETE' }
      : { State: 'STARTED', Description: REPORT_STARTED_DESCRIPTION };
  },

  async GetCredentialReport(ctx) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:GetCredentialReport', '*');
      const report = await tx.get(credentialReports, account);
      if (!report) throw new IamError('ReportNotPresent', '');
      if (!isFresh(report, ctx.iam.now().getTime())) throw new IamError('ReportExpired', '');
      return {
        Content: Buffer.from(report.content, 'utf8'),
        ReportFormat: 'text/csv',
        GeneratedTime: report.generatedAt,
      };
    });
  },
};
