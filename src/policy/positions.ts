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

import { decodeString, scanJson } from './json-scan.ts';

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

  /** Whether a value beginning now is the top-level object's Statement value. */
  const isStatementValue = (): boolean =>
    kinds.length === 1 && kinds[0] === OBJECT && !expectKey[0] && topKey === 'Statement';
  /** A Statement that is not an object or an array holds no statements. */
  const forgetStatements = (): void => {
    result = [];
    arrayDepth = -1;
    objectDepth = -1;
  };

  scanJson(text, {
    lineBreak(nextLineStart) {
      line++;
      lineStart = nextLineStart;
    },
    comma() {
      const depth = kinds.length;
      if (depth > 0 && kinds[depth - 1] === OBJECT) expectKey[depth - 1] = true;
    },
    open(object, index) {
      const depth = kinds.length;
      if (isStatementValue()) {
        forgetStatements();
        if (object) {
          start = after(index);
          objectDepth = depth + 1;
        } else {
          arrayDepth = depth + 1;
          lastEnd = after(index);
        }
      } else if (depth === arrayDepth && object) {
        start = lastEnd;
        objectDepth = depth + 1;
      }
      kinds.push(object ? OBJECT : ARRAY);
      expectKey.push(object);
    },
    close(object, index) {
      const depth = kinds.length;
      if (depth === 0) return;
      const end = after(index);
      if (depth === objectDepth && object) {
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
    },
    string(open, close, escaped) {
      const depth = kinds.length;
      if (depth === 1 && kinds[0] === OBJECT && expectKey[0]) {
        topKey = decodeString(text, open, close, escaped);
        expectKey[0] = false;
        return;
      }
      if (isStatementValue()) forgetStatements();
      if (depth > 0 && kinds[depth - 1] === OBJECT) expectKey[depth - 1] = false;
      if (depth === arrayDepth) lastEnd = after(close);
    },
    scalar(_first, last) {
      const depth = kinds.length;
      if (isStatementValue()) forgetStatements();
      if (depth === arrayDepth) lastEnd = after(last);
    },
  });
  return result;
}
