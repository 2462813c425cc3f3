// Glob matching for IAM's `*` (any run, including empty) and `?` (exactly one character), anchored
// to the whole string, in time near-linear in the input for any pattern:
//
// - the pattern is split at `*` into segments once; a match places each segment at its leftmost
//   position after the previous one (no backtracking), which is correct for globs whose only
//   multi-character wildcard is `*`;
// - the first and last segments are compared in place (O(length));
// - a middle segment without `?` is found with indexOf (linear in practice in V8);
// - a middle segment with `?` is found by a bit-parallel scan (Shift-And, 32 pattern characters per
//   machine word; its `?` at either end are dropped first and only narrow the window): one pass
//   over the window, O((window + k) * ceil(k / 32)) for a segment of k characters, where a naive
//   scan costs O(window * k) — 1,999 `?`-heavy characters against a 15 KB User-Agent was ~100 ms
//   that way.
//
// A policy's size bounds the total length of its patterns, so the work of matching one value
// against all of a policy's patterns is bounded by value length * policy size / 32.
// A `?` stands for one UTF-16 code unit, as the pattern's text is compared unit by unit.
import { sharedValue } from './shared.ts';

/** A pattern as written, after policy variables were replaced: literal runs and wildcards. */
export type GlobToken = string | typeof ANY_RUN | typeof ANY_CHAR;
export const ANY_RUN = Symbol('*');
export const ANY_CHAR = Symbol('?');

/**
 * A literal stretch between two `*`: its text when it holds no `?` (most do), else a WildSegment.
 * Plain strings keep a compiled glob small.
 */
type Segment = string | WildSegment;

/**
 * A segment with `?`: its text, where each `?` stands for any character — unless `mask` is set,
 * for text that also holds a literal `?` (written `${?}`): then the positions whose mask
 * character is "1" are the wildcards.
 */
interface WildSegment {
  readonly text: string;
  readonly mask: string | null;
}

const QUESTION_MARK = 63;
const ONE = 49;

/** Whether the segment's i-th character is a wildcard `?`. */
function isAny(segment: WildSegment, i: number): boolean {
  return segment.mask === null
    ? segment.text.charCodeAt(i) === QUESTION_MARK
    : segment.mask.charCodeAt(i) === ONE;
}

function wildSegment(text: string, anyAt: readonly boolean[]): WildSegment {
  let literalMark = false;
  for (let i = 0; i < text.length; i++)
    if (!anyAt[i] && text.charCodeAt(i) === QUESTION_MARK) literalMark = true;
  return { text, mask: literalMark ? anyAt.map((any) => (any ? '1' : '0')).join('') : null };
}

/** Characters start to end - 1 of a segment with `?`. */
function sliceWild(segment: WildSegment, start: number, end: number): WildSegment {
  return { text: segment.text.slice(start, end), mask: segment.mask?.slice(start, end) ?? null };
}

const textOf = (segment: Segment): string => (typeof segment === 'string' ? segment : segment.text);

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

/** The glob of `tokens`, one for all who name the same pattern (shared.ts). */
export function compileGlobTokens(tokens: readonly GlobToken[]): Glob {
  return sharedValue(globKey(tokens), () => buildGlob(tokens));
}

/**
 * The table's key for a pattern: its literal text with `*` and `?` as control characters U+0001
 * and U+0002 (a literal one of those, or U+0003, escaped by a U+0003 before it), behind a "g".
 */
function globKey(tokens: readonly GlobToken[]): string {
  let key = 'g';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === ANY_RUN) key += '\u0001';
    else if (token === ANY_CHAR) key += '\u0002';
    else key += escapeControls(token);
  }
  return key;
}

function escapeControls(text: string): string {
  let escaped: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 1 && code <= 3) escaped ??= text.slice(0, i);
    if (escaped !== null) escaped += code >= 1 && code <= 3 ? `\u0003${text[i]}` : text[i];
  }
  return escaped ?? text;
}

function buildGlob(tokens: readonly GlobToken[]): Glob {
  const segments: Segment[] = [];
  let text = '';
  let anyAt: boolean[] | null = null;
  let stars = 0;
  const closeSegment = () => {
    // Held for as long as the policy: a flat string of its own, not the pieces it was joined from.
    const flat = text.length < 13 ? text : (' ' + text).slice(1);
    segments.push(anyAt ? wildSegment(flat, anyAt) : flat);
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
  const [head, tail] = [segments[0]!, segments[segments.length - 1]!];
  if (stars === 0)
    return typeof head === 'string' ? new AffixGlob(Affix.Exact, head) : new WildExactGlob(head);
  if (stars === 1 && head === '' && tail === '') return EVERYTHING;
  // `text*` and `*text`, the most common shapes, as one comparison each.
  if (stars === 1 && tail === '' && typeof head === 'string') return new AffixGlob(Affix.Prefix, head);
  if (stars === 1 && head === '' && typeof tail === 'string') return new AffixGlob(Affix.Suffix, tail);
  return new StarGlob(segments);
}

const EVERYTHING: Glob = Object.freeze({ matchesEverything: true, matches: () => true });

const enum Affix {
  Exact,
  Prefix,
  Suffix,
}

/** A pattern without `?` and with at most one `*`, at one end: one string comparison. */
class AffixGlob implements Glob {
  readonly matchesEverything = false;
  constructor(
    private readonly affix: Affix,
    private readonly text: string,
  ) {}

  matches(input: string): boolean {
    if (this.affix === Affix.Exact) return input === this.text;
    return this.affix === Affix.Prefix ? input.startsWith(this.text) : input.endsWith(this.text);
  }
}

/** A pattern with `?` and without `*`. */
class WildExactGlob implements Glob {
  readonly matchesEverything = false;
  constructor(private readonly segment: WildSegment) {}

  matches(input: string): boolean {
    return input.length === this.segment.text.length && segmentMatchesAt(this.segment, input, 0);
  }
}

const NO_MIDDLE: readonly never[] = Object.freeze([]);

class StarGlob implements Glob {
  readonly matchesEverything = false;
  private readonly first: Segment;
  private readonly last: Segment;
  /** A middle segment without `?` is its text, found by indexOf. */
  private readonly middle: readonly (string | Finder)[];
  private readonly minLength: number;

  constructor(segments: readonly Segment[]) {
    this.first = segments[0]!;
    this.last = segments[segments.length - 1]!;
    this.middle =
      segments.length === 2
        ? NO_MIDDLE
        : segments.slice(1, -1).map((s) => (typeof s === 'string' ? s : new Finder(s)));
    this.minLength = segments.reduce((n, s) => n + textOf(s).length, 0);
  }

  matches(input: string): boolean {
    if (input.length < this.minLength) return false;
    const { first, last } = this;
    if (!segmentMatchesAt(first, input, 0)) return false;
    const end = input.length - textOf(last).length;
    if (!segmentMatchesAt(last, input, end)) return false;
    let position = textOf(first).length;
    for (const segment of this.middle) {
      let found: number;
      let length: number;
      if (typeof segment === 'string') {
        length = segment.length;
        found = position > end - length ? -1 : input.indexOf(segment, position);
        if (found > end - length) found = -1;
      } else {
        length = segment.segment.text.length;
        found = segment.find(input, position, end - length);
      }
      if (found < 0) return false;
      position = found + length;
    }
    return position <= end;
  }
}

function segmentMatchesAt(segment: Segment, input: string, at: number): boolean {
  if (typeof segment === 'string') return input.startsWith(segment, at);
  const { text } = segment;
  for (let i = 0; i < text.length; i++) {
    if (!isAny(segment, i) && input.charCodeAt(at + i) !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * How a middle segment with `?` is searched for: its `?` before the first and after the last
 * literal character are left out (they only narrow the window), and the rest is found by indexOf
 * when no `?` is left, else by a bit-parallel scan, built on first use (most globs of a policy
 * are never asked to search, and the scan's tables are the largest part of a compiled glob).
 */
class Finder {
  readonly lead: number;
  readonly trail: number;
  private scan: ShiftAnd | null | undefined = undefined;

  constructor(readonly segment: WildSegment) {
    const { text } = segment;
    let lead = 0;
    while (lead < text.length && isAny(segment, lead)) lead++;
    let trail = 0;
    while (trail < text.length - lead && isAny(segment, text.length - 1 - trail)) trail++;
    this.lead = lead;
    this.trail = trail;
  }

  private scanner(): ShiftAnd | null {
    if (this.scan === undefined) {
      const core = sliceWild(this.segment, this.lead, this.segment.text.length - this.trail);
      let wild = false;
      for (let i = 0; i < core.text.length; i++) if (isAny(core, i)) wild = true;
      this.scan = wild ? new ShiftAnd(core) : null;
    }
    return this.scan;
  }

  /** Leftmost index in [from, to] where the segment matches, or -1. */
  find(input: string, from: number, to: number): number {
    if (from > to) return -1;
    const { segment, lead, trail } = this;
    // The core (the segment without its outer `?`) starts `lead` characters after the segment.
    const coreLength = segment.text.length - lead - trail;
    if (coreLength === 0) return from;
    const scan = this.scanner();
    if (!scan) {
      const found = input.indexOf(segment.text.slice(lead, lead + coreLength), from + lead);
      return found >= 0 && found <= to + lead ? found - lead : -1;
    }
    const found = scan.find(input, from + lead, to + lead);
    return found < 0 ? -1 : found - lead;
  }
}

const WORD = 32;
/** Character codes below this find their class in a table, the others in a map. */
const TABLE_SIZE = 256;
/**
 * Classes of characters the scan tells apart: 0 for characters the segment does not hold, one for
 * each of the first CLASSES - 2 distinct characters it holds, and a last one shared by any further
 * ones (a policy's text is Latin-1, so only JSON escapes bring more), whose candidates are then
 * checked character by character. This keeps the masks within CLASSES words per 32 characters.
 */
const CLASSES = 256;

/**
 * Shift-And (Baeza-Yates and Gonnet): bit j of the state says the segment's first j + 1 characters
 * end at the current input character. Each input character costs one shift and one AND per
 * 32-character word of the segment, with no backtracking; words above the highest one in use are
 * skipped, so a segment that rarely gets far costs little more than one word.
 */
class ShiftAnd {
  private readonly words: number;
  /** Class c's mask at [c * words, (c + 1) * words): the positions it matches, with every `?`. */
  private readonly masks: Uint32Array;
  /**
   * Classes of the codes low .. low + table.length - 1, the span of the segment's characters below
   * TABLE_SIZE: a short segment's span fits a small array V8 keeps on its heap, where a full
   * TABLE_SIZE one would be a buffer of its own — slow to make and to collect by the ten thousand.
   */
  private readonly low: number;
  private readonly table: Uint8Array;
  /** Classes of codes from TABLE_SIZE up (rare: only JSON escapes bring them), made on first use. */
  private other: Map<number, number> | null = null;
  /** False when some characters share the last class, so a candidate must be checked. */
  private readonly exact: boolean;
  private readonly lastWord: number;
  private readonly lastBit: number;

  constructor(private readonly segment: WildSegment) {
    const { text } = segment;
    const words = Math.ceil(text.length / WORD);
    this.words = words;
    let low = TABLE_SIZE;
    let high = -1;
    for (let j = 0; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (isAny(segment, j) || code >= TABLE_SIZE) continue;
      if (code < low) low = code;
      if (code > high) high = code;
    }
    this.low = high < 0 ? 0 : low;
    this.table = new Uint8Array(high < 0 ? 0 : high - low + 1);
    let classes = 1;
    for (let j = 0; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (isAny(segment, j) || this.classOf(code) !== 0) continue;
      const assigned = Math.min(classes++, CLASSES - 1);
      if (code < TABLE_SIZE) this.table[code - this.low] = assigned;
      else (this.other ??= new Map()).set(code, assigned);
    }
    this.exact = classes <= CLASSES - 1;
    const used = Math.min(classes, CLASSES);
    // Every class matches the `?` positions: one mask of them, copied into each class's.
    const anyMask = new Uint32Array(words);
    for (let j = 0; j < text.length; j++) if (isAny(segment, j)) anyMask[j >>> 5]! |= 1 << (j & 31);
    this.masks = new Uint32Array(used * words);
    for (let c = 0; c < used; c++) this.masks.set(anyMask, c * words);
    for (let j = 0; j < text.length; j++) {
      if (!isAny(segment, j))
        this.masks[this.classOf(text.charCodeAt(j)) * words + (j >>> 5)]! |= 1 << (j & 31);
    }
    this.lastWord = words - 1;
    this.lastBit = 1 << ((text.length - 1) % WORD);
  }

  private classOf(code: number): number {
    const index = code - this.low;
    if (index >= 0 && index < this.table.length) return this.table[index]!;
    return code < TABLE_SIZE ? 0 : (this.other?.get(code) ?? 0);
  }

  // The last search and its answer: a simulation asks about one resource for many actions in a
  // row, and the policy simulator's largest requests repeat the same long ARN a thousand times.
  private lastInput: string | undefined;
  private lastFrom = 0;
  private lastTo = 0;
  private lastFound = -1;

  /** Leftmost start in [from, to] where the segment matches, or -1. */
  find(input: string, from: number, to: number): number {
    if (input === this.lastInput && from === this.lastFrom && to === this.lastTo) return this.lastFound;
    const found = this.scan(input, from, to);
    this.lastInput = input;
    this.lastFrom = from;
    this.lastTo = to;
    this.lastFound = found;
    return found;
  }

  private scan(input: string, from: number, to: number): number {
    if (from > to) return -1;
    const { masks, words, lastWord, lastBit, table, low, segment } = this;
    const span = table.length;
    const length = segment.text.length;
    const state = new Uint32Array(words);
    // The highest word holding a set bit (-1: none); a shift carries at most one word further.
    let top = -1;
    const stop = to + length;
    for (let i = from; i < stop; i++) {
      const code = input.charCodeAt(i);
      const index = code - low;
      const base =
        (index >= 0 && index < span ? table[index]! : code < TABLE_SIZE ? 0 : this.classOf(code)) * words;
      top = top < lastWord ? top + 1 : lastWord;
      let carry = 1;
      for (let w = 0; w <= top; w++) {
        const word = state[w]!;
        state[w] = ((word << 1) | carry) & masks[base + w]!;
        carry = word >>> 31;
      }
      while (top >= 0 && state[top] === 0) top--;
      if ((state[lastWord]! & lastBit) !== 0) {
        const start = i - length + 1;
        if (this.exact || segmentMatchesAt(segment, input, start)) return start;
      }
    }
    return -1;
  }
}
