// The credential report: GenerateCredentialReport and GetCredentialReport.
//
// The report is a snapshot: Generate reads the whole account and keeps the CSV (kind
// "credential-report", key = the account id) with the time it was generated; Get returns that
// copy, so later changes show only after a regeneration, as on AWS. The CSV itself is built by
// credential-report-csv.ts (the contract: /work/shared/guide/credential-report.md).
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
import { key, rootArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { AccountRecord, UserRecord, AccessKeyRecord } from '../records.ts';
import { type Operation, check, isoNow } from '../operation.ts';
import { rootAccessKeys } from './access-keys.ts';
import { rootMfaSerials } from './mfa-common.ts';
import { userArn } from './users.ts';
import {
  buildCredentialReport,
  ROOT_ROW_NAME,
  type CredentialSlots,
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

function isFresh(report: CredentialReportRecord, now: Date): boolean {
  const age = now.getTime() - Date.parse(report.generatedAt);
  return age < CREDENTIAL_REPORT_MAX_AGE_MS;
}

async function listAll<T>(tx: StoreTx, kind: Parameters<StoreTx['list']>[0], prefix?: string): Promise<T[]> {
  const found: T[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await tx.list<T>(kind, { prefix, after, limit: 500 });
    for (const entry of batch) {
      after = entry.key;
      found.push(entry.value);
    }
    if (batch.length < 500) return found;
  }
}

async function userPrincipal(tx: StoreTx, user: UserRecord): Promise<ReportPrincipal> {
  const keys: AccessKeyRecord[] = [];
  for (const id of user.accessKeyIds) {
    const record = await tx.get<AccessKeyRecord>('access-key', id);
    if (record) keys.push(record);
  }
  return {
    id: user.id,
    name: user.name,
    arn: userArn(user),
    createdAt: user.createdAt,
    hasPassword: user.loginProfile !== undefined,
    passwordLastUsed: user.passwordLastUsed,
    passwordChangedAt: user.loginProfile?.passwordChangedAt,
    mfaActive: user.mfaSerials.length > 0,
    accessKeys: keys,
    certificates: user.signingCertificates ?? [],
  };
}

/** Reads the account and builds a new report (inside the caller's write transaction). */
export async function generateReport(
  tx: StoreTx,
  account: string,
  generatedAt: string,
  previous: CredentialReportRecord | undefined,
): Promise<CredentialReportRecord> {
  const accountRecord = await tx.get<AccountRecord>('account', account);
  if (!accountRecord) throw new IamError('ServiceFailure', 'The account could not be read.');
  const users = await listAll<UserRecord>(tx, 'user', key.accountPrefix(account));
  const root: ReportPrincipal = {
    id: ROOT_ROW_NAME,
    name: ROOT_ROW_NAME,
    arn: rootArn(account),
    createdAt: accountRecord.createdAt,
    hasPassword: Boolean(accountRecord.rootPasswordHash),
    passwordLastUsed: accountRecord.rootPasswordLastUsed,
    passwordChangedAt: undefined,
    // The root user's MFA devices are the enabled devices that belong to no IAM user.
    mfaActive: (await rootMfaSerials(tx, account)).length > 0,
    accessKeys: await rootAccessKeys(tx, account),
    certificates: [],
  };
  const principals: ReportPrincipal[] = [];
  for (const user of users) principals.push(await userPrincipal(tx, user));
  const built = buildCredentialReport({
    root,
    users: principals,
    passwordPolicy: accountRecord.passwordPolicy,
    previousSlots: previous?.slots,
  });
  return { account, generatedAt, content: built.csv, slots: built.slots };
}

export const credentialReportOperations: Record<string, Operation> = {
  async GenerateCredentialReport(ctx) {
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      await check(ctx, tx, 'iam:GenerateCredentialReport', '*');
      const previous = await tx.get<CredentialReportRecord>('credential-report', account);
      if (previous && isFresh(previous, ctx.iam.now())) return { State: 'COMPLETE' };
      const report = await generateReport(tx, account, isoNow(ctx), previous);
      await tx.put('credential-report', account, report);
      return { State: 'STARTED', Description: REPORT_STARTED_DESCRIPTION };
    });
  },

  async GetCredentialReport(ctx) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:GetCredentialReport', '*');
      const report = await tx.get<CredentialReportRecord>('credential-report', account);
      if (!report) throw new IamError('ReportNotPresent', '');
      if (!isFresh(report, ctx.iam.now())) throw new IamError('ReportExpired', '');
      return {
        Content: Buffer.from(report.content, 'utf8'),
        ReportFormat: 'text/csv',
        GeneratedTime: report.generatedAt,
      };
    });
  },
};
