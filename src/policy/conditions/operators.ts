// The condition operator table: every IAM operator, its family, and whether it is negated.
// Negated operators (the "Not" ones) are true when the key is absent, as AWS documents.
import {
  type Family,
  arnLike,
  binaryEquals,
  bool,
  date,
  ipAddress,
  numeric,
  stringEquals,
  stringEqualsIgnoreCase,
  stringLike,
} from './families.ts';

export interface OperatorSpec {
  readonly family: Family;
  readonly negated: boolean;
}

const TABLE: Record<string, OperatorSpec> = {
  stringequals: { family: stringEquals, negated: false },
  stringnotequals: { family: stringEquals, negated: true },
  stringequalsignorecase: { family: stringEqualsIgnoreCase, negated: false },
  stringnotequalsignorecase: { family: stringEqualsIgnoreCase, negated: true },
  stringlike: { family: stringLike, negated: false },
  stringnotlike: { family: stringLike, negated: true },
  numericequals: { family: numeric('eq'), negated: false },
  numericnotequals: { family: numeric('eq'), negated: true },
  numericlessthan: { family: numeric('lt'), negated: false },
  numericlessthanequals: { family: numeric('lte'), negated: false },
  numericgreaterthan: { family: numeric('gt'), negated: false },
  numericgreaterthanequals: { family: numeric('gte'), negated: false },
  dateequals: { family: date('eq'), negated: false },
  datenotequals: { family: date('eq'), negated: true },
  datelessthan: { family: date('lt'), negated: false },
  datelessthanequals: { family: date('lte'), negated: false },
  dategreaterthan: { family: date('gt'), negated: false },
  dategreaterthanequals: { family: date('gte'), negated: false },
  bool: { family: bool, negated: false },
  binaryequals: { family: binaryEquals, negated: false },
  ipaddress: { family: ipAddress, negated: false },
  notipaddress: { family: ipAddress, negated: true },
  arnequals: { family: arnLike, negated: false },
  arnlike: { family: arnLike, negated: false },
  arnnotequals: { family: arnLike, negated: true },
  arnnotlike: { family: arnLike, negated: true },
};

export type SetQualifier = 'ForAllValues' | 'ForAnyValue' | undefined;

export interface ParsedOperator {
  readonly name: string;
  readonly qualifier: SetQualifier;
  readonly ifExists: boolean;
  /** Null is its own thing: it tests presence, not values. */
  readonly isNull: boolean;
  readonly spec: OperatorSpec | undefined;
}

/** Reads "ForAnyValue:StringLikeIfExists" into its parts; null for an unknown operator. */
export function parseOperator(name: string): ParsedOperator | null {
  let rest = name;
  let qualifier: SetQualifier;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'forallvalues') qualifier = 'ForAllValues';
    else if (prefix === 'foranyvalue') qualifier = 'ForAnyValue';
    else return null;
    rest = rest.slice(colon + 1);
  }
  let base = rest.toLowerCase();
  if (base === 'null') return { name, qualifier, ifExists: false, isNull: true, spec: undefined };
  const ifExists = base.endsWith('ifexists');
  if (ifExists) base = base.slice(0, -'ifexists'.length);
  const spec = TABLE[base];
  return spec ? { name, qualifier, ifExists, isNull: false, spec } : null;
}
