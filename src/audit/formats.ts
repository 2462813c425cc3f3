// An audit written out: a table for people (formats-table.ts), and JSON, SARIF 2.1.0, JUnit XML
// and CSV for machines (code-scanning dashboards and CI test reports read the last three).
import type { CheckResult } from './checks.ts';
import { summarize, type Audit } from './report.ts';
import { table } from './formats-table.ts';

export const FORMATS = ['table', 'json', 'sarif', 'junit', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function render(audit: Audit, format: Format, options: { colour: boolean }): string {
  switch (format) {
    case 'table':
      return table(audit, options.colour);
    case 'json':
      return `${JSON.stringify(json(audit), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(sarif(audit), null, 2)}\n`;
    case 'junit':
      return junit(audit);
    case 'csv':
      return csv(audit);
  }
}

function json(audit: Audit) {
  return {
    accountId: audit.accountId,
    auditedAt: audit.now.toISOString(),
    reportGeneratedAt: audit.reportGenerated?.toISOString() ?? null,
    warnings: audit.warnings,
    summary: summarize(audit.results),
    checks: audit.results.map((r) => ({
      id: r.check.id,
      cis: r.check.cis ?? null,
      title: r.check.title,
      severity: r.check.severity,
      status: r.status,
      ...(r.skipped ? { skipped: r.skipped } : {}),
      findings: r.findings,
    })),
  };
}

const SARIF_LEVEL = { low: 'note', medium: 'warning', high: 'error', critical: 'error' } as const;

function sarif(audit: Audit) {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portcullis audit',
            informationUri: 'https://github.com/prowler-cloud/prowler',
            rules: audit.results.map((r) => ({
              id: r.check.id,
              shortDescription: { text: r.check.title },
              defaultConfiguration: { level: SARIF_LEVEL[r.check.severity] },
              properties: { severity: r.check.severity, ...(r.check.cis ? { cis: r.check.cis } : {}) },
            })),
          },
        },
        results: audit.results.flatMap((r, ruleIndex) =>
          r.findings
            .filter((f) => f.status === 'FAIL')
            .map((f) => ({
              ruleId: r.check.id,
              ruleIndex,
              level: SARIF_LEVEL[r.check.severity],
              message: { text: `${r.check.title}: ${f.name} fails (${f.evidence})` },
              locations: [
                { logicalLocations: [{ fullyQualifiedName: f.resource, name: f.name, kind: 'resource' }] },
              ],
            })),
        ),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: audit.warnings.map((text) => ({
              level: 'warning',
              message: { text },
            })),
          },
        ],
      },
    ],
  };
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One test suite per check, one test case per resource; a skipped check is one skipped case. */
function junit(audit: Audit): string {
  const suites = audit.results.map((r) => {
    const cases = r.skipped
      ? [
          `    <testcase classname="${xml(r.check.id)}" name="${xml(r.check.id)}"><skipped message="${xml(r.skipped)}"/></testcase>`,
        ]
      : r.findings.map((f) => {
          const open = `    <testcase classname="${xml(r.check.id)}" name="${xml(f.name)} ${xml(f.resource)}"`;
          return f.status === 'FAIL'
            ? `${open}><failure message="${xml(`${r.check.severity}: ${r.check.title}`)}">${xml(f.evidence)}</failure></testcase>`
            : `${open}/>`;
        });
    const failures = r.findings.filter((f) => f.status === 'FAIL').length;
    return [
      `  <testsuite name="${xml(r.check.id)}" tests="${cases.length}" failures="${failures}" skipped="${r.skipped ? 1 : 0}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites name="portcullis audit">',
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const CSV_HEADER = ['check_id', 'cis', 'severity', 'status', 'resource_arn', 'resource_name', 'evidence'];

/** One row per finding, and one per skipped check (status SKIP, the reason as evidence). */
function csv(audit: Audit): string {
  const rows = audit.results.flatMap((r: CheckResult) =>
    r.skipped
      ? [[r.check.id, r.check.cis ?? '', r.check.severity, 'SKIP', '', '', r.skipped]]
      : r.findings.map((f) => [
          r.check.id,
          r.check.cis ?? '',
          r.check.severity,
          f.status,
          f.resource,
          f.name,
          f.evidence,
        ]),
  );
  return [CSV_HEADER, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}
