// The audit as people read it: one line per check, each failing resource under it with its
// evidence, then a summary. Colour (ANSI) only when the caller says so: stdout is a terminal and
// NO_COLOR is unset (https://no-color.org).
import { SEVERITIES, type CheckResult } from './checks.ts';
import { summarize, type Audit } from './report.ts';

const PAINT = { red: '31', green: '32', yellow: '33', dim: '2', bold: '1' } as const;

export function table(audit: Audit, colour: boolean): string {
  const paint = (style: keyof typeof PAINT, text: string) =>
    colour ? `\x1b[${PAINT[style]}m${text}\x1b[0m` : text;
  const status = (r: CheckResult) =>
    paint(r.status === 'FAIL' ? 'red' : r.status === 'PASS' ? 'green' : 'yellow', r.status.padEnd(6));
  const idWidth = Math.max(...audit.results.map((r) => r.check.id.length));
  const lines = [
    paint('bold', `Audit of account ${audit.accountId || '(unknown)'} at ${audit.now.toISOString()}`),
    `Credential report generated ${audit.reportGenerated?.toISOString() ?? '(unknown)'}`,
    ...audit.warnings.map((w) => paint('yellow', `warning: ${w}`)),
    '',
    paint(
      'bold',
      `${'STATUS'.padEnd(6)}  ${'SEVERITY'.padEnd(8)}  ${'CHECK'.padEnd(idWidth)}  ${'CIS'.padEnd(5)}  RESULT`,
    ),
  ];
  for (const r of audit.results) {
    const failing = r.findings.filter((f) => f.status === 'FAIL');
    const result = r.skipped
      ? r.skipped
      : r.findings.length === 0
        ? 'nothing to check'
        : `${failing.length} of ${r.findings.length} fail`;
    lines.push(
      `${status(r)}  ${r.check.severity.padEnd(8)}  ${r.check.id.padEnd(idWidth)}  ${(r.check.cis ?? '-').padEnd(5)}  ${result}`,
    );
    for (const f of failing) lines.push(paint('dim', `${' '.repeat(18)}${f.name}: ${f.evidence}`));
  }
  const s = summarize(audit.results);
  const bySeverity = [...SEVERITIES]
    .reverse()
    .filter((sev) => s.failedBySeverity[sev] > 0)
    .map((sev) => `${s.failedBySeverity[sev]} ${sev}`)
    .join(', ');
  lines.push(
    '',
    `Summary: ${s.checks} checks, ${paint('green', `${s.passed} passed`)}, ${paint(
      s.failed > 0 ? 'red' : 'green',
      `${s.failed} failed`,
    )}${bySeverity ? ` (${bySeverity})` : ''}, ${s.skipped} skipped`,
  );
  return `${lines.join('\n')}\n`;
}
