// A policy document as IAM accepts it, before compilation: the JSON shape exactly as written.
// `validatePolicyText` (validate.ts) is the only way to obtain one from text; `compile` (parse.ts)
// turns it into the evaluated form.

export type OneOrMany<T> = T | readonly T[];

export type PolicyVersion = '2012-10-17' | '2008-10-17';

export interface PolicyDocument {
  readonly Version?: PolicyVersion;
  readonly Id?: string;
  readonly Statement: OneOrMany<StatementDocument>;
}

export interface StatementDocument {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: PrincipalDocument;
  readonly NotPrincipal?: PrincipalDocument;
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  readonly Condition?: ConditionBlockDocument;
}

/** `"*"` or a map of principal kinds to one or many identifiers. */
export type PrincipalDocument =
  | '*'
  | {
      readonly AWS?: OneOrMany<string>;
      readonly Service?: OneOrMany<string>;
      readonly Federated?: OneOrMany<string>;
      readonly CanonicalUser?: OneOrMany<string>;
    };

/** Operator (e.g. "ForAnyValue:StringLikeIfExists") → condition key → one or many values. */
export type ConditionBlockDocument = Readonly<
  Record<string, Readonly<Record<string, OneOrMany<ConditionValueDocument>>>>
>;

/** IAM accepts JSON strings, numbers and booleans as condition values. */
export type ConditionValueDocument = string | number | boolean;
