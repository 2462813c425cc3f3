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
  /** Whether the context entry's i-th value satisfies the prepared policy value. */
  test(value: P, entry: ContextEntry, i: number): boolean;
}

type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

const compare: Record<Comparison, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
};

export const stringEquals: Family<string> = {
  wildcards: false,
  prepare: (tokens) => literalText(tokens),
  test: (text, entry, i) => entry.text(i) === text,
};

export const stringEqualsIgnoreCase: Family<string> = {
  wildcards: false,
  prepare: (tokens) => literalText(tokens).toLowerCase(),
  test: (lower, entry, i) => entry.lower(i) === lower,
};

export const stringLike: Family<Glob> = {
  wildcards: true,
  prepare: (tokens) => compileGlobTokens(tokens),
  test: (glob, entry, i) => glob.matches(entry.text(i)),
};

/** ArnEquals and ArnLike both match part by part with wildcards, as AWS documents. */
export const arnLike: Family<ArnPattern> = {
  wildcards: true,
  prepare: (tokens) => compileArnPattern(tokens),
  test: (pattern, entry, i) => pattern.matches(entry.text(i), entry.arnParts(i)),
};

export function numeric(comparison: Comparison): Family<number> {
  const holds = compare[comparison];
  return {
    wildcards: false,
    prepare: (tokens) => parseNumber(literalText(tokens)),
    test: (expected, entry, i) => {
      const actual = entry.number(i);
      return actual !== null && holds(actual, expected);
    },
  };
}

export function date(comparison: Comparison): Family<number> {
  const holds = compare[comparison];
  return {
    wildcards: false,
    prepare: (tokens) => parseDate(literalText(tokens)),
    test: (expected, entry, i) => {
      const actual = entry.date(i);
      return actual !== null && holds(actual, expected);
    },
  };
}

export const bool: Family<string> = {
  wildcards: false,
  prepare: (tokens) => {
    const text = literalText(tokens).toLowerCase();
    return text === 'true' || text === 'false' ? text : null;
  },
  test: (text, entry, i) => entry.lower(i) === text,
};

/** Base64 values compared as the bytes they encode (padding and line breaks aside). */
export const binaryEquals: Family<string> = {
  wildcards: false,
  prepare: (tokens) => normalizeBase64(literalText(tokens)),
  test: (expected, entry, i) => normalizeBase64(entry.text(i)) === expected,
};

function normalizeBase64(text: string): string | null {
  const stripped = text.replace(/\s+/g, '').replace(/=+$/, '');
  return /^[A-Za-z0-9+/]*$/.test(stripped) ? stripped : null;
}

export const ipAddress: Family<Cidr> = {
  wildcards: false,
  prepare: (tokens) => parseCidr(literalText(tokens)),
  test: (cidr, entry, i) => {
    const ip = entry.ip(i);
    return ip !== null && cidr.contains(ip);
  },
};
