// One lint run: each file validated as IAM would, its statements checked, and — for identity
// policies — the MFA lock-out and bypass checks over all the files together, as the policies of one
// group about to be attached together.
import { checkStatements } from './checks.ts';
import { atOrAbove, FINDING_TYPES, type Finding, type FindingType } from './findings.ts';
import { bypass, lockout, type Subject } from './mfa.ts';
import { checkServices, type ServiceCatalog } from './services.ts';
import { readPolicyFile, type PolicyFile, type PolicyType } from './policy-file.ts';

export interface LintInput {
  readonly files: readonly { readonly file: string; readonly text: string }[];
  readonly policyType: PolicyType;
  readonly subject: Subject;
  /**
   * AWS's Service Authorization Reference for the services the files name (servicesNamed); without
   * it the per-service checks (unknown actions, services, condition keys) are not run.
   */
  readonly catalog?: ServiceCatalog;
}

export interface Lint {
  readonly files: readonly string[];
  readonly policyType: PolicyType;
  readonly findings: readonly Finding[];
}

export function lint(input: LintInput): Lint {
  const findings: Finding[] = [];
  const valid: PolicyFile[] = [];
  for (const { file, text } of input.files) {
    const read = readPolicyFile(file, text, input.policyType);
    if (!read.ok) {
      findings.push(read.finding);
      continue;
    }
    valid.push(read.file);
    findings.push(...checkStatements(read.file));
    if (input.catalog) findings.push(...checkServices(read.file, input.catalog));
  }
  if (input.policyType === 'IDENTITY_POLICY' && valid.length > 0)
    findings.push(...lockout(valid, input.subject), ...bypass(valid, input.subject));
  const order = (f: Finding) => FINDING_TYPES.indexOf(f.findingType);
  return {
    files: input.files.map((f) => f.file),
    policyType: input.policyType,
    // Gravest first; within a type, by file and position (a stable sort keeps the checks' order).
    findings: [...findings].sort(
      (a, b) =>
        order(a) - order(b) ||
        input.files.findIndex((f) => f.file === a.file) - input.files.findIndex((f) => f.file === b.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column,
    ),
  };
}

export function countByType(findings: readonly Finding[]): Record<FindingType, number> {
  const counts = { ERROR: 0, SECURITY_WARNING: 0, WARNING: 0, SUGGESTION: 0 };
  for (const f of findings) counts[f.findingType]++;
  return counts;
}

/** Whether a finding at or above the threshold was found (the exit status for CI). */
export function failsAt(findings: readonly Finding[], threshold: FindingType): boolean {
  return findings.some((f) => atOrAbove(f.findingType, threshold));
}
