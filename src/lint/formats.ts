// A lint written out: a table for people, JSON (Access Analyzer's finding fields) and SARIF 2.1.0
// for code-scanning dashboards, which show each finding on its policy file's line.
import { FINDING_TYPES, rule, type Finding } from './findings.ts';
import { countByType, type Lint } from './report.ts';

export const FORMATS = ['table', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export function render(result: Lint, format: Format, options: { colour: boolean }): string {
  switch (format) {
    case 'table':
      return table(result, options.colour);
    case 'json':
      return `${JSON.stringify(json(result), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(sarif(result), null, 2)}\n`;
  }
}

const PAINT = { red: '31', yellow: '33', green: '32', dim: '2', bold: '1' } as const;
const TYPE_PAINT = { ERROR: 'red', SECURITY_WARNING: 'red', WARNING: 'yellow', SUGGESTION: 'dim' } as const;

function where(f: Finding): string {
  const statement =
    f.statementIndex === undefined ? '' : ` statement ${f.statementIndex}${f.sid ? ` (${f.sid})` : ''}`;
  return `${f.file}:${f.location.line}:${f.location.column}${statement}`;
}

function table(result: Lint, colour: boolean): string {
  const paint = (style: keyof typeof PAINT, text: string) =>
    colour ? `\x1b[${PAINT[style]}m${text}\x1b[0m` : text;
  const lines = [paint('bold', `Lint of ${result.files.join(', ')} as ${result.policyType}`), ''];
  for (const f of result.findings) {
    lines.push(`${paint(TYPE_PAINT[f.findingType], f.findingType.padEnd(16))}  ${f.issueCode}  ${where(f)}`);
    lines.push(`${' '.repeat(18)}${f.details}`);
    for (const step of f.steps ?? []) lines.push(paint('dim', `${' '.repeat(20)}${step}`));
  }
  if (result.findings.length === 0) lines.push(paint('green', 'No findings.'));
  const counts = countByType(result.findings);
  lines.push(
    '',
    `Summary: ${result.findings.length} findings (${FINDING_TYPES.map((t) => `${counts[t]} ${t}`).join(', ')})`,
  );
  return `${lines.join('\n')}\n`;
}

function json(result: Lint) {
  return {
    files: result.files,
    policyType: result.policyType,
    summary: countByType(result.findings),
    findings: result.findings.map((f) => ({
      file: f.file,
      findingType: f.findingType,
      issueCode: f.issueCode,
      findingDetails: f.details,
      learnMoreLink: rule(f.issueCode).learnMoreLink ?? null,
      statementIndex: f.statementIndex ?? null,
      sid: f.sid ?? null,
      location: f.location,
      ...(f.path ? { path: f.path } : {}),
      ...(f.steps ? { steps: f.steps } : {}),
    })),
  };
}

const SARIF_LEVEL = {
  ERROR: 'error',
  SECURITY_WARNING: 'error',
  WARNING: 'warning',
  SUGGESTION: 'note',
} as const;

function sarif(result: Lint) {
  const codes = [...new Set(result.findings.map((f) => f.issueCode))];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portcullis lint',
            rules: codes.map((code) => ({
              id: code,
              shortDescription: { text: rule(code).title },
              defaultConfiguration: { level: SARIF_LEVEL[rule(code).findingType] },
              ...(rule(code).learnMoreLink ? { helpUri: rule(code).learnMoreLink } : {}),
              properties: { findingType: rule(code).findingType },
            })),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.issueCode,
          ruleIndex: codes.indexOf(f.issueCode),
          level: SARIF_LEVEL[f.findingType],
          message: { text: f.steps ? `${f.details}\n${f.steps.join('\n')}` : f.details },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file },
                region: { startLine: f.location.line, startColumn: f.location.column },
              },
            },
          ],
        })),
      },
    ],
  };
}
