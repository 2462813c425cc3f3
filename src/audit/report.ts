// An audit's outcome and what it says about the report it read: the checks' results, a summary,
// and the credential report's age — AWS makes a new report at most every 4 hours (IAM User Guide,
// "Getting credential reports for your AWS account"), so an older one may miss recent changes.
import { atOrAbove, runChecks, type CheckResult, type Severity } from './checks.ts';
import type { AccountSnapshot } from './snapshot.ts';

export const REPORT_MAX_AGE_HOURS = 4;

export interface Audit {
  readonly accountId: string;
  readonly now: Date;
  readonly reportGenerated: Date | undefined;
  readonly warnings: readonly string[];
  readonly results: readonly CheckResult[];
}

export interface Summary {
  readonly checks: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Failing checks by severity. */
  readonly failedBySeverity: Readonly<Record<Severity, number>>;
}

export function audit(snapshot: AccountSnapshot, now: Date): Audit {
  const warnings: string[] = [];
  const generated = snapshot.report.generated;
  if (generated) {
    const hours = (now.getTime() - generated.getTime()) / 3_600_000;
    if (hours > REPORT_MAX_AGE_HOURS)
      warnings.push(
        `the credential report was generated ${Math.floor(hours)} hours before this audit (${generated.toISOString()}); changes since then are not in it`,
      );
  } else {
    warnings.push(
      'the credential report does not say when it was generated (a bare CSV): its age is unknown',
    );
  }
  return {
    accountId: snapshot.accountId,
    now,
    reportGenerated: generated,
    warnings,
    results: runChecks(snapshot, now),
  };
}

export function summarize(results: readonly CheckResult[]): Summary {
  const failedBySeverity = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const r of results) if (r.status === 'FAIL') failedBySeverity[r.check.severity]++;
  return {
    checks: results.length,
    passed: results.filter((r) => r.status === 'PASS').length,
    failed: results.filter((r) => r.status === 'FAIL').length,
    skipped: results.filter((r) => r.status === 'SKIP').length,
    failedBySeverity,
  };
}

/** Whether a check at or above the threshold failed (the exit status for CI). */
export function failsAt(results: readonly CheckResult[], threshold: Severity): boolean {
  return results.some((r) => r.status === 'FAIL' && atOrAbove(r.check.severity, threshold));
}
