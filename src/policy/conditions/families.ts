// How each condition operator family reads a policy value and compares it with a context value.
// A family turns one policy value (already freed of variables) into a test of one context value;
// `null` means the policy value can never match (e.g. "abc" for a Numeric operator).
import { type GlobToken, compileGlobTokens } from '../wildcard.ts';
import { compileArnPattern, splitArn } from '../arn.ts';
import { literalText } from '../variables.ts';
import { parseCidr, parseIp, cidrContains } from './ip.ts';

export type ValueTest = (contextValue: string) => boolean;

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
    return (value) => value === text;
  },
};

export const stringEqualsIgnoreCase: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const text = literalText(tokens).toLowerCase();
    return (value) => value.toLowerCase() === text;
  },
};

export const stringLike: Family = {
  wildcards: true,
  prepare: (tokens) => {
    const glob = compileGlobTokens(tokens);
    return (value) => glob.matches(value);
  },
};

/** ArnEquals and ArnLike both match part by part with wildcards, as AWS documents. */
export const arnLike: Family = {
  wildcards: true,
  prepare: (tokens) => {
    const pattern = compileArnPattern(tokens);
    return (value) => pattern.matches(value, splitArn(value));
  },
};

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : null;
}

export function numeric(comparison: Comparison): Family {
  const test = compare[comparison];
  return {
    wildcards: false,
    prepare: (tokens) => {
      const expected = parseNumber(literalText(tokens));
      if (expected === null) return null;
      return (value) => {
        const actual = parseNumber(value);
        return actual !== null && test(actual, expected);
      };
    },
  };
}

const EPOCH_SECONDS = /^\d{1,12}(\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([Tt ][\d:.]+([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** ISO 8601 dates and times, or POSIX epoch seconds; milliseconds since the epoch or null. */
export function parseDate(text: string): number | null {
  const trimmed = text.trim();
  if (EPOCH_SECONDS.test(trimmed)) return Number(trimmed) * 1000;
  if (!ISO_DATE.test(trimmed)) return null;
  // A date or time without a zone is UTC in IAM.
  const withZone =
    /([Zz]|[+-]\d{2}:?\d{2})$/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? null : ms;
}

export function date(comparison: Comparison): Family {
  const test = compare[comparison];
  return {
    wildcards: false,
    prepare: (tokens) => {
      const expected = parseDate(literalText(tokens));
      if (expected === null) return null;
      return (value) => {
        const actual = parseDate(value);
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
    return (value) => value.toLowerCase() === text;
  },
};

/** Base64 values compared as the bytes they encode (padding and line breaks aside). */
export const binaryEquals: Family = {
  wildcards: false,
  prepare: (tokens) => {
    const expected = normalizeBase64(literalText(tokens));
    if (expected === null) return null;
    return (value) => normalizeBase64(value) === expected;
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
    return (value) => {
      const ip = parseIp(value);
      return ip !== null && cidrContains(cidr, ip);
    };
  },
};
