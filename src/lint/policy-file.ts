// A policy file read for linting: IAM's own validation (src/policy) decides whether it is a policy
// at all, and where each statement sits in the text, so every finding can point at its statement.
import {
  compileGlob,
  parsePolicy,
  refusedStatement,
  statementStarts,
  type CompiledPolicy,
  type PolicyKind,
} from '../policy/index.ts';
import { ISSUES, type Finding, type IssueCode, type Location } from './findings.ts';

/** Access Analyzer's policyType values that a file can be linted as, and the engine's kind for each. */
export const POLICY_TYPES = {
  IDENTITY_POLICY: 'identity',
  RESOURCE_POLICY: 'resource',
  SERVICE_CONTROL_POLICY: 'scp',
  RESOURCE_CONTROL_POLICY: 'rcp',
} as const satisfies Record<string, PolicyKind>;
export type PolicyType = keyof typeof POLICY_TYPES;

export type Statement = CompiledPolicy['document']['Statement'] extends infer S
  ? S extends readonly (infer T)[]
    ? T
    : S
  : never;

export interface PolicyFile {
  readonly file: string;
  readonly policyType: PolicyType;
  readonly policy: CompiledPolicy;
  readonly statements: readonly Statement[];
  readonly locations: readonly Location[];
}

const DOCUMENT_START: Location = { line: 1, column: 1 };

export function list<T>(value: T | readonly T[] | undefined): readonly T[] {
  return value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Whether an action pattern as written covers another (both any case; `*` and `?` globs). */
export function actionCovers(pattern: string, action: string): boolean {
  return compileGlob(pattern, true).matches(action.toLowerCase());
}

export function finding(
  file: PolicyFile | string,
  issueCode: IssueCode,
  details: string,
  statementIndex?: number,
  steps?: readonly string[],
  path?: readonly (string | number)[],
): Finding {
  const at = typeof file === 'string' || statementIndex === undefined ? undefined : file;
  const sid = at && statementIndex !== undefined ? at.statements[statementIndex]?.Sid : undefined;
  return {
    file: typeof file === 'string' ? file : file.file,
    findingType: ISSUES[issueCode].findingType,
    issueCode,
    details,
    ...(statementIndex !== undefined ? { statementIndex } : {}),
    ...(sid !== undefined ? { sid } : {}),
    location: (at && statementIndex !== undefined && at.locations[statementIndex]) || DOCUMENT_START,
    ...(steps ? { steps } : {}),
    ...(path ? { path } : {}),
  };
}

/** The file as IAM reads it, or the ERROR finding IAM's answer makes (AWS's message, the statement IAM stops at when one alone is refused). */
export function readPolicyFile(
  file: string,
  text: string,
  policyType: PolicyType,
  /** The engine's kind when the type alone does not say it (a role's trust policy is a resource policy). */
  kind: PolicyKind = POLICY_TYPES[policyType],
): { ok: true; file: PolicyFile } | { ok: false; finding: Finding } {
  const locations = statementStarts(text);
  const parsed = parsePolicy(text, { kind, id: file });
  if (!parsed.ok) {
    const index = refusedStatement(text, kind, parsed.error.message);
    const at = index === undefined ? DOCUMENT_START : (locations[index] ?? DOCUMENT_START);
    return {
      ok: false,
      finding: {
        file,
        findingType: 'ERROR',
        issueCode: 'MALFORMED_POLICY_DOCUMENT',
        details: `${parsed.error.code}: ${parsed.error.message}`,
        ...(index !== undefined ? { statementIndex: index } : {}),
        location: at,
      },
    };
  }
  const statements = list(parsed.document.Statement);
  return { ok: true, file: { file, policyType, policy: parsed.policy, statements, locations } };
}
