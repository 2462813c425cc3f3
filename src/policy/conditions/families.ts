// How each condition operator family reads a policy value and compares it with a context value.
// A family turns one policy value (already freed of variables) into a test of one context value;
// `null` means the policy value can never match (e.g. "abc" for a Numeric operator). The policy's
// side is read once, here; the request's side (an address, a number, a date) once per request, by
// its ContextEntry.
import { type GlobToken, compileGlobTokens } from '../wildcard.ts';
import { compileArnPattern } from '../arn.ts';
import { literalText } from '../variables.ts';
import type { ContextEntry, ContextLookup } from '../request.ts';
import { parseCidr } from './ip.ts';
import { parseDate, parseNumber } from './values.ts';

/** Tests the context entry's i-th value (the context resolves a policy value's variables). */
export type ValueTest = (entry: ContextEntry, i: number, context: ContextLookup) => boolean;

export interface Family {
  /** Whether `*` and `?` in policy values are wildcards. */
  readonly wildcards: boolean;
  prepare(tokens: readonly GlobToken[]): ValueTest | null;
}

type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

const compare: Record<Comparison, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
};

export const stringEquals: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const text = literalText(tokens);
    return (entry, i) => entry.values[i] === text;
  },
};

export const stringEqualsIgnoreCase: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const text = literalText(tokens).toLowerCase();
    return (entry, i) => entry.lower(i) === text;
  },
};

export const stringLike: Family = {
  wildcards: true,
  prepare: (tokens) => {
    const glob = compileGlobTokens(tokens);
    return (entry, i) => glob.matches(entry.values[i]!);
  },
};

/** ArnEquals and ArnLike both match part by part with wildcards, as AWS documents. */
export const arnLike: Family = {
  wildcards: true,
  prepare: (tokens) => {
    const pattern = compileArnPattern(tokens);
    return (entry, i) => pattern.matches(entry.values[i]!, entry.arnParts(i));
  },
};

export function numeric(comparison: Comparison): Family {
  const test = compare[comparison];
  return {
    wildcards: false,
    prepare: (tokens) => {
      const expected = parseNumber(literalText(tokens));
      if (expected === null) return null;
      return (entry, i) => {
        const actual = entry.number(i);
        return actual !== null && test(actual, expected);
      };
    },
  };
}

export function date(comparison: Comparison): Family {
  const test = compare[comparison];
  return {
    wildcards: false,
    prepare: (tokens) => {
      const expected = parseDate(literalText(tokens));
      if (expected === null) return null;
      return (entry, i) => {
        const actual = entry.date(i);
        return actual !== null && test(actual, expected);
      };
    },
  };
}

export const bool: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const text = literalText(tokens).toLowerCase();
    if (text !== 'true' && text !== 'false') return null;
    return (entry, i) => entry.lower(i) === text;
  },
};

/** Base64 values compared as the bytes they encode (padding and line breaks aside). */
export const binaryEquals: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const expected = normalizeBase64(literalText(tokens));
    if (expected === null) return null;
    return (entry, i) => normalizeBase64(entry.values[i]!) === expected;
  },
};

function normalizeBase64(text: string): string | null {
  const stripped = text.replace(/\s+/g, '').replace(/=+$/, '');
  return /^[A-Za-z0-9+/]*$/.test(stripped) ? stripped : null;
}

export const ipAddress: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const cidr = parseCidr(literalText(tokens));
    if (!cidr) return null;
    return (entry, i) => {
      const ip = entry.ip(i);
      return ip !== null && cidr.contains(ip);
    };
  },
};
