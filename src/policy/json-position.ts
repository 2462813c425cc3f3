// Where in a policy's text a refusal is: the character a JSON parser stops at when the text is not
// JSON, or the `{` of the statement IAM refuses. Access Analyzer (JSON_SYNTAX_ERROR), `portcullis
// lint` (a finding's location) and the console's policy editors (the error beside the editor) all
// point at the same place from here.
//
// Positions are 1-based lines and columns, line breaks LF, CR LF or a lone CR, columns in UTF-16
// code units, as `statementPositions` counts them. Every scan is one linear pass with no recursion
// (a container's kind kept on an explicit stack) and no backtracking; none throws.
import { parsePolicy } from './parse.ts';
import { statementPositions, type TextPosition } from './positions.ts';
import type { PolicyKind } from './types.ts';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

type Expect = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'commaOrEnd' | 'nothing';

/**
 * The offset of the first character that makes `text` not JSON (the text's length when it ends too
 * soon), or undefined when it is JSON. JSON.parse says only whether; Node's message carries a
 * position for some errors and not others.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const stack: boolean[] = []; // true: an object
  let expect: Expect = 'value';
  let i = 0;
  const n = text.length;
  const afterValue = (): Expect => (stack.length === 0 ? 'nothing' : 'commaOrEnd');
  while (true) {
    while (i < n && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= n) return expect === 'nothing' ? undefined : n;
    const c = text[i]!;
    switch (expect) {
      case 'nothing':
        return i;
      case 'colon':
        if (c !== ':') return i;
        i++;
        expect = 'value';
        continue;
      case 'commaOrEnd':
        if (c === ',') {
          i++;
          expect = stack[stack.length - 1] ? 'key' : 'value';
          continue;
        }
        if (c !== (stack[stack.length - 1] ? '}' : ']')) return i;
        stack.pop();
        i++;
        expect = afterValue();
        continue;
      case 'key':
      case 'keyOrEnd':
        if (c === '}' && expect === 'keyOrEnd') {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (c !== '"') return i;
        {
          const end = stringEnd(text, i);
          if (end.error !== undefined) return end.error;
          i = end.next;
        }
        expect = 'colon';
        continue;
      case 'value':
      case 'valueOrEnd': {
        if (c === ']' && expect === 'valueOrEnd') {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (c === '{' || c === '[') {
          stack.push(c === '{');
          i++;
          expect = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
          continue;
        }
        if (c === '"') {
          const end = stringEnd(text, i);
          if (end.error !== undefined) return end.error;
          i = end.next;
        } else {
          const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
          if (literal) i += literal.length;
          else {
            NUMBER.lastIndex = i;
            if (!NUMBER.test(text)) return i;
            i = NUMBER.lastIndex;
          }
        }
        expect = afterValue();
        continue;
      }
    }
  }
}

/** A string from its opening quote at `start`: the offset after its closing quote, or of its first fault. */
function stringEnd(text: string, start: number): { next: number; error?: number } {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return { next: i + 1 };
    if (c < 0x20) return { next: i, error: i };
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { next: i, error: i + 1 };
        i += 5;
      } else if (e !== undefined && ESCAPES.has(e)) i++;
      else return { next: i, error: Math.min(i + 1, text.length) };
    }
  }
  return { next: text.length, error: text.length };
}

/** The offset each line starts at (line breaks LF, CR LF or a lone CR). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}

/** The 1-based line and column of `offset`, given the text's `lineStarts` (a binary search). */
export function positionAtOffset(lines: readonly number[], offset: number): TextPosition {
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lines[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - lines[low]! + 1 };
}

/**
 * Where each statement's `{` is. `statementPositions` reports a statement's start as AWS's
 * simulator does, just after the token before it (the previous statement's `}`); an editor or a
 * finding pointing at a statement wants its brace.
 */
export function statementStarts(text: string, lines: readonly number[] = lineStarts(text)): TextPosition[] {
  return statementPositions(text).map((p) => openingBrace(text, lines, p.start));
}

function openingBrace(text: string, lines: readonly number[], start: TextPosition): TextPosition {
  const lineStart = lines[start.line - 1];
  if (lineStart === undefined) return start;
  // A single statement object (`"Statement": {...}`) starts just after its own brace.
  if (text[lineStart + start.column - 2] === '{') return { line: start.line, column: start.column - 1 };
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

/** A statement each kind accepts, to tell a refusal of the document from one of its statements. */
const PLAIN_STATEMENT: Readonly<Record<PolicyKind, object>> = {
  identity: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  boundary: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  session: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  scp: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  resource: { Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 's3:GetObject', Resource: '*' },
  rcp: { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: '*' },
  trust: { Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' },
};

/** The index of the first statement that, alone in the document, draws the same refusal `message`. */
export function refusedStatement(text: string, kind: PolicyKind, message: string): number | undefined {
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
  if (refuses(PLAIN_STATEMENT[kind])) return undefined;
  const statements: unknown[] = Array.isArray(Statement) ? Statement : [Statement];
  for (let i = 0; i < statements.length; i++) if (refuses(statements[i])) return i;
  return undefined;
}

/**
 * For IAM's `Invalid principal in policy: "AWS":"<value>"` about a principal the policy's grammar
 * allows but that does not exist (a trust policy naming a deleted user, which IAM refuses when it
 * binds principals to their ids): the index of the first statement naming that principal.
 */
function statementNamingPrincipal(text: string, message: string): number | undefined {
  const named = /^Invalid principal in policy: "(\w+)":"(.*)"$/.exec(message);
  if (!named) return undefined;
  const [, type, value] = named as unknown as [string, string, string];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement];
  const index = statements.findIndex((s) => {
    const principal = (s as { Principal?: unknown } | null)?.Principal;
    const values =
      typeof principal === 'object' && principal !== null
        ? (principal as Record<string, unknown>)[type]
        : undefined;
    return values === value || (Array.isArray(values) && values.includes(value));
  });
  return index >= 0 ? index : undefined;
}

/** Where a refused document goes wrong: a JSON syntax error, or the statement IAM refuses. */
export type RefusalPosition =
  | { readonly kind: 'syntax'; readonly at: TextPosition; readonly offset: number }
  | { readonly kind: 'statement'; readonly at: TextPosition; readonly index: number };

/**
 * Where `text` goes wrong, for a refusal whose message is `message` (IAM's words, as the engine
 * words them): where the JSON parser stopped, else where the refused statement begins, else
 * undefined (the refusal is about the document as a whole, or is not the engine's).
 */
export function refusalPosition(
  text: string,
  kind: PolicyKind,
  message: string,
): RefusalPosition | undefined {
  const lines = lineStarts(text);
  const offset = jsonSyntaxErrorOffset(text);
  if (offset !== undefined) return { kind: 'syntax', at: positionAtOffset(lines, offset), offset };
  const index = refusedStatement(text, kind, message) ?? statementNamingPrincipal(text, message);
  if (index === undefined) return undefined;
  const at = statementStarts(text, lines)[index];
  return at ? { kind: 'statement', at, index } : undefined;
}
