// One compiled condition: an operator applied to one context key with the policy's values.
// Values of one key are ORed; the statement ANDs its conditions. Semantics, as AWS documents them:
// - key absent: ...IfExists and ForAllValues are true, negated operators are true, the rest false;
// - ForAnyValue: some context value satisfies the operator; ForAllValues: every one does;
// - a multivalued key (given as a list) without a set operator: false, whatever the operator
//   (IAM User Guide, "Single-valued vs. multivalued context keys": multivalued context keys
//   require a condition set operator);
// - a policy value whose variable cannot be resolved matches nothing (so negated operators pass).
import type { GlobToken } from '../wildcard.ts';
import { memoizeResolved, parseTemplate } from '../variables.ts';
import { intern } from '../intern.ts';
import type { ContextEntry, ContextLookup } from '../request.ts';
import type { ValueTest } from './families.ts';
import type { ParsedOperator } from './operators.ts';

/** Receives the keys conditions asked for that the request lacks. */
export interface MissingKeySink {
  missing(key: string): void;
}

export interface CompiledCondition {
  readonly operator: string;
  /** Lower case. */
  readonly key: string;
  /** Calls `onMissing` with the key when the request does not carry it. */
  evaluate(context: ContextLookup, onMissing: MissingKeySink): boolean;
}

/** One of a condition's values, prepared: its test, or (with variables) how to make it per request. */
export type PolicyValue =
  { readonly test: ValueTest | null } | { readonly resolve: (context: ContextLookup) => ValueTest | null };

/** Prepares one value of a condition whose operator is not Null (nullCondition takes those). */
export function policyValue(operator: ParsedOperator, text: string, allowVariables: boolean): PolicyValue {
  const { family } = operator.spec!;
  const template = parseTemplate(text, { variables: allowVariables, wildcards: family.wildcards });
  return template.hasVariables
    ? { resolve: memoizeResolved(template, (tokens) => family.prepare(tokens)) }
    : { test: family.prepare(template.parts as GlobToken[]) };
}

/** The condition of an operator that is not Null on `key`, from its values (policyValue). */
export function conditionOf(
  operator: ParsedOperator,
  key: string,
  policyValues: readonly PolicyValue[],
): CompiledCondition {
  const lowerKey = intern(key.toLowerCase());
  const { negated } = operator.spec!;
  const anyPolicyValueMatches = (context: ContextLookup, entry: ContextEntry, i: number): boolean => {
    for (const prepared of policyValues) {
      const test = 'test' in prepared ? prepared.test : prepared.resolve(context);
      if (test && test(entry, i)) return true;
    }
    return false;
  };

  const { qualifier, ifExists } = operator;
  return {
    operator: operator.name,
    key: lowerKey,
    evaluate(context, sink) {
      const entry = context.get(lowerKey);
      if (!entry || entry.values.length === 0) {
        sink.missing(lowerKey);
        if (qualifier === 'ForAllValues' || ifExists) return true;
        if (qualifier === 'ForAnyValue') return false;
        return negated;
      }
      const count = entry.values.length;
      if (qualifier === 'ForAllValues') {
        for (let i = 0; i < count; i++)
          if (anyPolicyValueMatches(context, entry, i) === negated) return false;
        return true;
      }
      if (qualifier === 'ForAnyValue') {
        for (let i = 0; i < count; i++) if (anyPolicyValueMatches(context, entry, i) !== negated) return true;
        return false;
      }
      // "Multivalued context keys require a condition set operator": without one, a multivalued
      // key that is present satisfies neither a positive nor a negated operator (nor IfExists).
      if (entry.multiValued) return false;
      return anyPolicyValueMatches(context, entry, 0) !== negated;
    },
  };
}

/** Null: "true" holds when the key is absent (or an empty set), "false" when it is present. */
export function nullCondition(
  operator: string,
  writtenKey: string,
  values: readonly string[],
): CompiledCondition {
  const key = intern(writtenKey.toLowerCase());
  const wantsAbsent = values.some((v) => v.toLowerCase() === 'true');
  const wantsPresent = values.some((v) => v.toLowerCase() === 'false');
  return {
    operator,
    key,
    evaluate(context) {
      const entry = context.get(key);
      const present = entry !== undefined && entry.values.length > 0;
      return present ? wantsPresent : wantsAbsent;
    },
  };
}
