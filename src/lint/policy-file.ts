// A policy file read for linting: IAM's own validation (src/policy) decides whether it is a policy
// at all, and where each statement sits in the text, so every finding can point at its statement.
import {
  compileGlob,
  parsePolicy,
  statementPositions,
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
  const lines = lineStarts(text);
  const locations = statementPositions(text).map((p) => openingBrace(text, lines, p.start));
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
  const statements = list(parsed.policy.document.Statement);
  return { ok: true, file: { file, policyType, policy: parsed.policy, statements, locations } };
}

/**
 * Where the statement's `{` is. The engine reports a statement's start as AWS does, just after the
 * token before it (the previous statement's `}`); an editor jumping to a finding wants the brace.
 * `lines` holds each line's starting offset, found once for the whole text.
 */
function openingBrace(text: string, lines: readonly number[], start: Location): Location {
  const lineStart = lines[start.line - 1];
  if (lineStart === undefined) return start;
  let line = start.line;
  let column = start.column;
  for (let i = lineStart + column - 1; i < text.length && text[i] !== '{'; i++) {
    if (!/[\s,]/.test(text[i]!)) return start;
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) {
      line++;
      column = 1;
    } else if (text[i] !== '\r') column++;
  }
  return { line, column };
}

/** The offset each line starts at (line breaks LF, CR LF or a lone CR, as the engine counts them). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}

/** The first statement that, alone in the document, draws the same refusal. */
function refusedStatement(text: string, kind: PolicyKind, message: string): number | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof document !== 'object' || document === null) return undefined;
  const { Version, Statement } = document as { Version?: unknown; Statement?: unknown };
  const refuses = (statement: unknown) => {
    const alone = parsePolicy(JSON.stringify({ Version, Statement: [statement] }), { kind });
    return !alone.ok && alone.error.message === message;
  };
  // A refusal that a plain statement draws too is about the document (its Version), not a statement.
  const plain = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
  const principal = { resource: { AWS: '123456789012' }, rcp: '*' }[kind as string];
  if (refuses(principal === undefined ? plain : { ...plain, Principal: principal })) return undefined;
  const statements: unknown[] = Array.isArray(Statement) ? Statement : [Statement];
  for (let i = 0; i < statements.length; i++) if (refuses(statements[i])) return i;
  return undefined;
}
