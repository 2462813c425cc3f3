// JSON text as a stream of tokens, for the questions JSON.parse cannot answer: where a statement
// starts and ends (positions.ts) and whether an object repeats a key (duplicate-keys.ts).
//
// One linear pass with no backtracking and no recursion; it never throws. On text that is not
// valid JSON it still reports what it finds: a string stops at a line break (which is then
// reported as one), and a character that starts no token is reported as a one-character scalar.
// Colons and whitespace are not tokens; commas are.

export interface JsonTokenSink {
  /** `{` (object) or `[` (array) at `index`. */
  open(object: boolean, index: number): void;
  /** `}` (object) or `]` (array) at `index`. */
  close(object: boolean, index: number): void;
  /** A string from its opening quote at `start` to its closing one at `end` (inclusive). */
  string(start: number, end: number, escaped: boolean): void;
  /** A number or literal (true, false, null) from `start` to `end` (inclusive). */
  scalar(start: number, end: number): void;
  comma(): void;
  /** A line break (LF, CR LF or a lone CR) whose next line starts at `nextLineStart`. */
  lineBreak(nextLineStart: number): void;
}

export function scanJson(text: string, sink: JsonTokenSink): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      i++;
      sink.lineBreak(i);
      continue;
    }
    if (c === 0x0d) {
      if (i + 1 < n && text.charCodeAt(i + 1) === 0x0a) i++;
      i++;
      sink.lineBreak(i);
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x3a /* : */) {
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      sink.comma();
      i++;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      sink.open(c === 0x7b, i);
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      sink.close(c === 0x7d, i);
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
      sink.string(open, Math.min(i, n - 1), escaped);
      if (i < n && text.charCodeAt(i) === 0x22) i++;
      continue;
    }
    // A number or literal: up to the next delimiter.
    const first = i;
    while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
    if (i === first) i++; // an unexpected character: step over it
    sink.scalar(first, i - 1);
  }
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

/** A string token's text as JSON.parse would read it; escapes are rare in keys and decoded only then. */
export function decodeString(text: string, start: number, end: number, escaped: boolean): string | undefined {
  if (!escaped) return text.slice(start + 1, end);
  try {
    const value: unknown = JSON.parse(text.slice(start, end + 1));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
