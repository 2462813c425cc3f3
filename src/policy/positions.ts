// Where each statement of a policy document starts and ends in its text, as the policy simulator
// reports it (line and column, 1-based).
//
// AWS reports positions as a streaming JSON parser sees them (its numbers match Jackson's
// "current location"), which real responses show:
// - the end is just after the statement's closing `}`;
// - the start is just after the token read before the statement's `{`: for the first statement of
//   an array, just after the `[` (on the `[`'s line when the document is pretty-printed:
//   AdministratorAccess reports Line 3, Column 17); for a later one, just after the previous
//   statement's `}` (commas are not tokens: a compact bucket policy reports its second statement as
//   starting at column 248, where the first one ended); for a single statement object
//   (`"Statement": {...}`), just after its `{`, which the parser consumed together with the field
//   name (AWS's own example: `{"Version":"2012-10-17","Statement":{...}}` starts at column 38).
// - line breaks are LF, CR LF or a lone CR; columns count UTF-16 code units, as Java does.
//
// The scan is one linear pass over the text with no backtracking and no recursion; it never
// throws. On text that is not a JSON object it returns what it found (usually nothing). Like
// JSON.parse, a repeated top-level "Statement" key counts only in its last occurrence.

export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

export interface StatementPosition {
  readonly start: TextPosition;
  readonly end: TextPosition;
}

const OBJECT = 0;
const ARRAY = 1;

export function statementPositions(text: string): StatementPosition[] {
  let result: StatementPosition[] = [];
  if (typeof text !== 'string') return result;

  let line = 1;
  let lineStart = 0;
  /** The position just after the character at `index` (never a line break). */
  const after = (index: number): TextPosition => ({ line, column: index + 1 - lineStart + 1 });

  // Containers open at the current point, and for objects whether a key comes next.
  const kinds: number[] = [];
  const expectKey: boolean[] = [];
  /** The last key read in the top-level object. */
  let topKey: string | undefined;

  // The Statement value being read: a single object at `objectDepth`, or an array at `arrayDepth`
  // whose object elements sit at arrayDepth + 1.
  let arrayDepth = -1;
  let objectDepth = -1;
  let lastEnd: TextPosition = { line: 1, column: 1 };
  let start: TextPosition = lastEnd;

  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    if (c === 0x0d) {
      if (i + 1 < n && text.charCodeAt(i + 1) === 0x0a) i++;
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x3a /* : */) {
      i++;
      continue;
    }
    const depth = kinds.length;
    if (c === 0x2c /* , */) {
      if (depth > 0 && kinds[depth - 1] === OBJECT) expectKey[depth - 1] = true;
      i++;
      continue;
    }

    // A value (or key) begins here.
    const isStatementValue = depth === 1 && kinds[0] === OBJECT && !expectKey[0] && topKey === 'Statement';
    const isArrayElement = depth === arrayDepth;

    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (isStatementValue) {
        result = [];
        arrayDepth = -1;
        objectDepth = -1;
        if (c === 0x7b) {
          start = after(i);
          objectDepth = depth + 1;
        } else {
          arrayDepth = depth + 1;
          lastEnd = after(i);
        }
      } else if (isArrayElement && c === 0x7b) {
        start = lastEnd;
        objectDepth = depth + 1;
      }
      kinds.push(c === 0x7b ? OBJECT : ARRAY);
      expectKey.push(c === 0x7b);
      i++;
      continue;
    }

    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth === 0) {
        i++;
        continue;
      }
      const end = after(i);
      if (depth === objectDepth && c === 0x7d) {
        result.push({ start, end });
        objectDepth = -1;
        if (arrayDepth !== -1) lastEnd = end;
      } else if (depth === arrayDepth) {
        arrayDepth = -1;
      } else if (depth === arrayDepth + 1) {
        lastEnd = end; // a non-object element (an array) of the Statement array
      }
      kinds.pop();
      expectKey.pop();
      if (depth === 1) topKey = undefined;
      i++;
      continue;
    }

    if (c === 0x22 /* " */) {
      const open = i;
      let escaped = false;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        if (d === 0x0a || d === 0x0d) break; // not valid JSON; stop the string at the line break
        i++;
      }
      const close = Math.min(i, n - 1);
      if (depth === 1 && kinds[0] === OBJECT && expectKey[0]) {
        topKey = decodeKey(text.slice(open, close + 1), escaped);
        expectKey[0] = false;
      } else {
        if (isStatementValue) {
          result = [];
          arrayDepth = -1;
          objectDepth = -1;
        }
        if (depth > 0 && kinds[depth - 1] === OBJECT) expectKey[depth - 1] = false;
        if (isArrayElement) lastEnd = after(close);
      }
      if (i < n && text.charCodeAt(i) === 0x22) i++;
      continue;
    }

    // A number or literal: up to the next delimiter.
    const first = i;
    while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
    if (i === first) i++; // an unexpected character: step over it
    if (isStatementValue) {
      result = [];
      arrayDepth = -1;
      objectDepth = -1;
    }
    if (isArrayElement) lastEnd = after(i - 1);
  }
  return result;
}

function isDelimiter(c: number): boolean {
  return (
    c === 0x20 ||
    c === 0x09 ||
    c === 0x0a ||
    c === 0x0d ||
    c === 0x2c ||
    c === 0x3a ||
    c === 0x7b ||
    c === 0x7d ||
    c === 0x5b ||
    c === 0x5d ||
    c === 0x22
  );
}

/** A key's text as JSON.parse would read it; escapes are rare in keys and decoded only then. */
function decodeKey(token: string, escaped: boolean): string | undefined {
  if (!escaped) return token.slice(1, -1);
  try {
    const value: unknown = JSON.parse(token);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
