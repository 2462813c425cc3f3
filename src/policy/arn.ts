// ARN-aware matching, as IAM matches the Resource element and the Arn* condition operators:
// each of the six colon-separated parts (arn:partition:service:region:account:resource) is
// matched on its own, so `*` never crosses a `:` between parts, while in the resource part it
// spans `/` and `:` alike. Case-sensitive throughout.
import { type Glob, type GlobToken, ANY_RUN, compileGlobTokens } from './wildcard.ts';
import { intern } from './intern.ts';

const ARN_PARTS = 6;

/** Splits at the first five colons; the resource part keeps any further colons. */
export function splitArn(text: string): string[] | null {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < ARN_PARTS - 1; i++) {
    const colon = text.indexOf(':', start);
    if (colon < 0) return null;
    parts.push(text.slice(start, colon));
    start = colon + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

export interface ArnPattern {
  readonly matchesEverything: boolean;
  /** `parts` is the input pre-split with splitArn (null when the input is not an ARN). */
  matches(input: string, parts: readonly string[] | null): boolean;
}

/** Compiles a pattern given as tokens (literal text and wildcards) into an ARN matcher. */
export function compileArnPattern(tokens: readonly GlobToken[]): ArnPattern {
  const quick = exactOrPrefix(tokens);
  if (quick) return quick;
  const parts = splitTokensAtColons(tokens);
  if (!parts) {
    // Not six parts (e.g. "*" or "arn:aws:*"): the whole string is one glob.
    const whole = compileGlobTokens(tokens);
    // "*", the most common Resource of all, is one matcher shared by every policy.
    if (whole.matchesEverything) return ANY_ARN;
    return new ArnMatcher(Shape.Whole, '', whole, null, null);
  }
  const matchers = parts.map(partMatcher);
  const [arn, partition, service, region, account, resource] = matchers;
  // The most common shape: literal "arn", partition and service, compared as one prefix.
  if (typeof arn === 'string' && typeof partition === 'string' && typeof service === 'string')
    return new ArnMatcher(Shape.Head, intern(`${arn}:${partition}:${service}:`), region, account!, resource!);
  return new ArnMatcher(Shape.Parts, '', matchers, null, null);
}

/**
 * A part without wildcards is its text (interned: "arn", "aws", an account are shared by all); a
 * part that is `*` (a region, an account) is null, which takes anything without a call.
 */
function partMatcher(tokens: readonly GlobToken[]): PartMatcher {
  if (tokens.length === 0) return '';
  if (tokens.length === 1 && typeof tokens[0] === 'string') return intern(tokens[0]);
  const glob = compileGlobTokens(tokens);
  return glob.matchesEverything ? null : glob;
}

type PartMatcher = string | Glob | null;

/** How an ArnMatcher compares; one class for all, so that evaluation's call site sees one shape. */
const enum Shape {
  /** An ARN without wildcards: equal as a whole string is equal part by part. */
  Exact,
  /** An ARN whose only wildcard is a `*` closing its resource part. */
  Prefix,
  /**
   * Six parts whose first three are literal: those compared as the input's prefix `text`
   * ("arn:aws:ec2:"), then region, account and resource in `a`, `b` and `c`.
   */
  Head,
  /** Six parts, each a string or a glob, in a list in `a`. */
  Parts,
  /** Not six parts (e.g. "*" or "arn:aws:*"): the whole string is one glob, in `a`. */
  Whole,
}

/**
 * Three general fields, read as the shape says, rather than a list of parts: a compiled policy
 * holds one matcher per ARN pattern with wildcards, and a list costs 96 bytes and more.
 */
class ArnMatcher implements ArnPattern {
  constructor(
    private readonly shape: Shape,
    private readonly text: string,
    private readonly a: unknown,
    private readonly b: PartMatcher,
    private readonly c: PartMatcher,
  ) {}

  get matchesEverything(): boolean {
    return this === ANY_ARN;
  }

  matches(input: string, inputParts: readonly string[] | null): boolean {
    switch (this.shape) {
      case Shape.Exact:
        return input === this.text;
      case Shape.Prefix:
        return input.startsWith(this.text);
      case Shape.Head: {
        // Written out rather than through a helper: each test is a call site of its own, and
        // evaluation inlines them (a shared helper made this shape a fifth slower).
        if (inputParts === null || !input.startsWith(this.text)) return false;
        const region = this.a as PartMatcher;
        if (
          region !== null &&
          (typeof region === 'string' ? region !== inputParts[3] : !region.matches(inputParts[3]!))
        )
          return false;
        const account = this.b;
        if (
          account !== null &&
          (typeof account === 'string' ? account !== inputParts[4] : !account.matches(inputParts[4]!))
        )
          return false;
        const resource = this.c;
        return (
          resource === null ||
          (typeof resource === 'string' ? resource === inputParts[5] : resource.matches(inputParts[5]!))
        );
      }
      case Shape.Whole:
        return (this.a as Glob).matches(input);
      default: {
        if (!inputParts) return false;
        const parts = this.a as readonly PartMatcher[];
        for (let i = 0; i < ARN_PARTS; i++) {
          const part = parts[i]!;
          if (part === null) continue;
          if (typeof part === 'string' ? part !== inputParts[i] : !part.matches(inputParts[i]!)) return false;
        }
        return true;
      }
    }
  }
}

const ANY_ARN: ArnPattern = Object.freeze(
  new ArnMatcher(Shape.Whole, '', compileGlobTokens([ANY_RUN]), null, null),
);

/** arnShape: an ARN without wildcards, its one token its text. */
export const EXACT_ARN = 1;
/** arnShape: an ARN whose only wildcard is a `*` closing its resource part, its first token the rest. */
export const PREFIX_ARN = 2;

/**
 * EXACT_ARN or PREFIX_ARN for the two shapes most resource patterns have, which compare as one
 * string operation on the whole input (see exactOrPrefix); 0 for any other.
 */
export function arnShape(tokens: readonly GlobToken[]): number {
  const literal = tokens[0];
  if (typeof literal !== 'string' || colons(literal) < ARN_PARTS - 1) return 0;
  if (tokens.length === 1) return EXACT_ARN;
  return tokens.length === 2 && tokens[1] === ANY_RUN ? PREFIX_ARN : 0;
}

/**
 * The two shapes most resource patterns have, matched without splitting the input: an ARN without
 * wildcards (equal as a whole string is equal part by part), and one whose only wildcard is a `*`
 * at the end of its resource part (its first five parts are literal, colons included, so the
 * input's are those exactly when the input starts with them).
 */
function exactOrPrefix(tokens: readonly GlobToken[]): ArnPattern | null {
  const literal = tokens[0];
  if (typeof literal !== 'string' || colons(literal) < ARN_PARTS - 1) return null;
  if (tokens.length === 1) return new ArnMatcher(Shape.Exact, literal, null, null, null);
  if (tokens.length === 2 && tokens[1] === ANY_RUN)
    return new ArnMatcher(Shape.Prefix, literal, null, null, null);
  return null;
}

function colons(text: string): number {
  let count = 0;
  for (let i = text.indexOf(':'); i >= 0 && count < ARN_PARTS; i = text.indexOf(':', i + 1)) count++;
  return count;
}

function splitTokensAtColons(tokens: readonly GlobToken[]): GlobToken[][] | null {
  const parts: GlobToken[][] = [[]];
  for (const token of tokens) {
    if (typeof token !== 'string' || parts.length === ARN_PARTS) {
      parts[parts.length - 1]!.push(token);
      continue;
    }
    let rest = token;
    let colon = rest.indexOf(':');
    while (colon >= 0 && parts.length < ARN_PARTS) {
      if (colon > 0) parts[parts.length - 1]!.push(rest.slice(0, colon));
      parts.push([]);
      rest = rest.slice(colon + 1);
      colon = rest.indexOf(':');
    }
    if (rest) parts[parts.length - 1]!.push(rest);
  }
  if (parts.length < ARN_PARTS) return null;
  // A pattern whose first part is a lone `*` (e.g. "*:*:*:*:*:*") still reads as a whole glob.
  if (parts[0]!.length === 1 && parts[0]![0] === ANY_RUN) return null;
  return parts;
}

export type { Glob };
