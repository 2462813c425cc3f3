// Glob matching for IAM's `*` (any run, including empty) and `?` (exactly one character), anchored
// to the whole string. Work is bounded: the pattern is split at `*` into segments once, and a match
// places each segment at its leftmost position after the previous one (no backtracking), which is
// correct for globs whose only multi-character wildcard is `*`.

/** A pattern as written, after policy variables were replaced: literal runs and wildcards. */
export type GlobToken = string | typeof ANY_RUN | typeof ANY_CHAR;
export const ANY_RUN = Symbol('*');
export const ANY_CHAR = Symbol('?');

/** A literal stretch between two `*`, where `anyAt` marks the positions that are `?`. */
interface Segment {
  readonly text: string;
  readonly anyAt: readonly boolean[] | null;
}

export interface Glob {
  /** True when the pattern is just `*`. */
  readonly matchesEverything: boolean;
  matches(input: string): boolean;
}

/** Splits written text into tokens: every `*` and `?` is a wildcard. */
export function tokenizeGlob(text: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  let literal = '';
  for (const ch of text) {
    if (ch === '*' || ch === '?') {
      if (literal) tokens.push(literal);
      literal = '';
      tokens.push(ch === '*' ? ANY_RUN : ANY_CHAR);
    } else {
      literal += ch;
    }
  }
  if (literal) tokens.push(literal);
  return tokens;
}

export function compileGlob(text: string, ignoreCase = false): Glob {
  return compileGlobTokens(tokenizeGlob(ignoreCase ? text.toLowerCase() : text));
}

export function compileGlobTokens(tokens: readonly GlobToken[]): Glob {
  const segments: Segment[] = [];
  let text = '';
  let anyAt: boolean[] | null = null;
  let stars = 0;
  const closeSegment = () => {
    segments.push({ text, anyAt });
    text = '';
    anyAt = null;
  };
  for (const token of tokens) {
    if (token === ANY_RUN) {
      closeSegment();
      stars++;
    } else if (token === ANY_CHAR) {
      anyAt ??= new Array<boolean>(text.length).fill(false);
      anyAt.push(true);
      text += '?';
    } else {
      if (anyAt) for (let i = 0; i < token.length; i++) anyAt.push(false);
      text += token;
    }
  }
  closeSegment();
  if (stars === 0) return exactGlob(segments[0]!);
  if (stars === 1 && segments[0]!.text === '' && segments[1]!.text === '') return EVERYTHING;
  return new StarGlob(segments);
}

const EVERYTHING: Glob = { matchesEverything: true, matches: () => true };

function exactGlob(segment: Segment): Glob {
  if (!segment.anyAt) return { matchesEverything: false, matches: (input) => input === segment.text };
  return {
    matchesEverything: false,
    matches: (input) => input.length === segment.text.length && segmentMatchesAt(segment, input, 0),
  };
}

class StarGlob implements Glob {
  readonly matchesEverything = false;
  private readonly first: Segment;
  private readonly last: Segment;
  private readonly middle: readonly Segment[];
  private readonly minLength: number;

  constructor(segments: readonly Segment[]) {
    this.first = segments[0]!;
    this.last = segments[segments.length - 1]!;
    this.middle = segments.slice(1, -1);
    this.minLength = segments.reduce((n, s) => n + s.text.length, 0);
  }

  matches(input: string): boolean {
    if (input.length < this.minLength) return false;
    const { first, last } = this;
    if (!segmentMatchesAt(first, input, 0)) return false;
    const end = input.length - last.text.length;
    if (!segmentMatchesAt(last, input, end)) return false;
    let position = first.text.length;
    for (const segment of this.middle) {
      const found = findSegment(segment, input, position, end - segment.text.length);
      if (found < 0) return false;
      position = found + segment.text.length;
    }
    return position <= end;
  }
}

function segmentMatchesAt(segment: Segment, input: string, at: number): boolean {
  const { text, anyAt } = segment;
  if (!anyAt) return input.startsWith(text, at);
  for (let i = 0; i < text.length; i++) {
    if (!anyAt[i] && input.charCodeAt(at + i) !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** Leftmost index in [from, to] where the segment matches, or -1. */
function findSegment(segment: Segment, input: string, from: number, to: number): number {
  if (from > to) return -1;
  if (!segment.anyAt) {
    const found = input.indexOf(segment.text, from);
    return found >= 0 && found <= to ? found : -1;
  }
  for (let at = from; at <= to; at++) if (segmentMatchesAt(segment, input, at)) return at;
  return -1;
}
