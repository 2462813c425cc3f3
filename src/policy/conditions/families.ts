// How each condition operator family reads a policy value and compares it with a context value.
// A family reads one policy value (already freed of variables) into what it compares a context
// value with; `null` means the policy value can never match (e.g. "abc" for a Numeric operator).
// The policy's side is read once, here; the request's side (an address, a number, a date) once per
// request, by its ContextEntry.
import { type Glob, type GlobToken, compileGlobTokens } from '../wildcard.ts';
import { type ArnPattern, compileArnPattern } from '../arn.ts';
import { literalText } from '../variables.ts';
import type { ContextEntry } from '../request.ts';
import { type Cidr, parseCidr } from './ip.ts';
import { parseDate, parseNumber } from './values.ts';

/**
 * A family reads each policy value once into what its test compares (a string, a number, a
 * CIDR, a compiled glob), kept as data in the condition rather than in a closure per value.
 */
export interface Family<P = unknown> {
  /** Whether `*` and `?` in policy values are wildcards. */
  readonly wildcards: boolean;
  /**
   * The policy value as the test compares it; null when it can never match ("abc" for Numeric).
   * A function of its argument alone (no `this`): conditions hand it on unbound.
   */
  readonly prepare: (tokens: readonly GlobToken[]) => P | null;
  /**
   * Whether the context entry's i-th value satisfies some of the prepared policy values (a key's
   * values are ORed). One call per condition, the request's side read once, the loop in the
   * family (a call per value to a test shared by every family could not be inlined).
   */
  anyOf(values: readonly P[], entry: ContextEntry, i: number): boolean;
}

export const stringEquals: Family<string> = {
  wildcards: false,
  prepare: (tokens) => literalText(tokens),
  anyOf: (texts, entry, i) => {
    const text = entry.text(i);
    for (let v = 0; v < texts.length; v++) if (texts[v] === text) return true;
    return false;
  },
};

export const stringEqualsIgnoreCase: Family<string> = {
  wildcards: false,
  prepare: (tokens) => literalText(tokens).toLowerCase(),
  anyOf: (lowers, entry, i) => {
    const lower = entry.lower(i);
    for (let v = 0; v < lowers.length; v++) if (lowers[v] === lower) return true;
    return false;
  },
};

export const stringLike: Family<Glob> = {
  wildcards: true,
  prepare: (tokens) => compileGlobTokens(tokens),
  anyOf: (globs, entry, i) => {
    const text = entry.text(i);
    for (let v = 0; v < globs.length; v++) if (globs[v]!.matches(text)) return true;
    return false;
  },
};

/** ArnEquals and ArnLike both match part by part with wildcards, as AWS documents. */
export const arnLike: Family<ArnPattern> = {
  wildcards: true,
  prepare: (tokens) => compileArnPattern(tokens),
  anyOf: (patterns, entry, i) => {
    const text = entry.text(i);
    const parts = entry.arnParts(i);
    for (let v = 0; v < patterns.length; v++) if (patterns[v]!.matches(text, parts)) return true;
    return false;
  },
};

const enum Comparison {
  Eq,
  Lt,
  Lte,
  Gt,
  Gte,
}

type ComparisonName = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

const COMPARISONS: Record<ComparisonName, Comparison> = {
  eq: Comparison.Eq,
  lt: Comparison.Lt,
  lte: Comparison.Lte,
  gt: Comparison.Gt,
  gte: Comparison.Gte,
};

/** Whether `actual` compares with some of `expected` as `comparison` says. */
function someHolds(comparison: Comparison, actual: number, expected: readonly number[]): boolean {
  for (let v = 0; v < expected.length; v++) {
    const e = expected[v]!;
    switch (comparison) {
      case Comparison.Eq:
        if (actual === e) return true;
        break;
      case Comparison.Lt:
        if (actual < e) return true;
        break;
      case Comparison.Lte:
        if (actual <= e) return true;
        break;
      case Comparison.Gt:
        if (actual > e) return true;
        break;
      default:
        if (actual >= e) return true;
    }
  }
  return false;
}

export function numeric(name: ComparisonName): Family<number> {
  const comparison = COMPARISONS[name];
  return {
    wildcards: false,
    prepare: (tokens) => parseNumber(literalText(tokens)),
    anyOf: (expected, entry, i) => {
      const actual = entry.number(i);
      return actual !== null && someHolds(comparison, actual, expected);
    },
  };
}

export function date(name: ComparisonName): Family<number> {
  const comparison = COMPARISONS[name];
  return {
    wildcards: false,
    prepare: (tokens) => parseDate(literalText(tokens)),
    anyOf: (expected, entry, i) => {
      const actual = entry.date(i);
      return actual !== null && someHolds(comparison, actual, expected);
    },
  };
}

export const bool: Family<string> = {
  wildcards: false,
  prepare: (tokens) => {
    const text = literalText(tokens).toLowerCase();
    return text === 'true' || text === 'false' ? text : null;
  },
  anyOf: (texts, entry, i) => {
    const lower = entry.lower(i);
    for (let v = 0; v < texts.length; v++) if (texts[v] === lower) return true;
    return false;
  },
};

/** Base64 values compared as the bytes they encode (padding and line breaks aside). */
export const binaryEquals: Family<string> = {
  wildcards: false,
  prepare: (tokens) => normalizeBase64(literalText(tokens)),
  anyOf: (expected, entry, i) => {
    const actual = normalizeBase64(entry.text(i));
    for (let v = 0; v < expected.length; v++) if (expected[v] === actual) return true;
    return false;
  },
};

function normalizeBase64(text: string): string | null {
  const stripped = text.replace(/\s+/g, '').replace(/=+$/, '');
  return /^[A-Za-z0-9+/]*$/.test(stripped) ? stripped : null;
}

export const ipAddress: Family<Cidr> = {
  wildcards: false,
  prepare: (tokens) => parseCidr(literalText(tokens)),
  anyOf: (cidrs, entry, i) => {
    const ip = entry.ip(i);
    if (ip === null) return false;
    for (let v = 0; v < cidrs.length; v++) if (cidrs[v]!.contains(ip)) return true;
    return false;
  },
};
