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

/**
 * One of a condition's values as a test of a context value, or null when it can never match. A
 * value with variables resolves them from the request, the test made once per distinct value.
 */
export function policyValue(
  operator: ParsedOperator,
  text: string,
  allowVariables: boolean,
): ValueTest | null {
  const { family } = operator.spec!;
  const template = parseTemplate(text, { variables: allowVariables, wildcards: family.wildcards });
  if (!template.hasVariables) return family.prepare(template.parts as GlobToken[]);
  const resolve = memoizeResolved(template, (tokens) => family.prepare(tokens));
  return (entry, i, context) => {
    const test = resolve(context);
    return test !== null && test(entry, i, context);
  };
}

const enum SetMode {
  Single,
  ForAllValues,
  ForAnyValue,
}

/**
 * A condition of an operator that is not Null. One class for all, so that evaluation's call site
 * sees one shape, and a few fields rather than closures over them: policies hold many.
 */
class ValueCondition implements CompiledCondition {
  constructor(
    readonly operator: string,
    readonly key: string,
    private readonly mode: SetMode,
    private readonly ifExists: boolean,
    private readonly negated: boolean,
    /** The policy's values; one that can never match is left out. */
    private readonly tests: readonly ValueTest[],
  ) {}

  evaluate(context: ContextLookup, sink: MissingKeySink): boolean {
    const entry = context.get(this.key);
    const { mode, negated } = this;
    if (!entry || entry.values.length === 0) {
      sink.missing(this.key);
      if (mode === SetMode.ForAllValues || this.ifExists) return true;
      if (mode === SetMode.ForAnyValue) return false;
      return negated;
    }
    const count = entry.values.length;
    if (mode === SetMode.ForAllValues) {
      for (let i = 0; i < count; i++) if (this.anyMatches(context, entry, i) === negated) return false;
      return true;
    }
    if (mode === SetMode.ForAnyValue) {
      for (let i = 0; i < count; i++) if (this.anyMatches(context, entry, i) !== negated) return true;
      return false;
    }
    // "Multivalued context keys require a condition set operator": without one, a multivalued
    // key that is present satisfies neither a positive nor a negated operator (nor IfExists).
    if (entry.multiValued) return false;
    return this.anyMatches(context, entry, 0) !== negated;
  }

  private anyMatches(context: ContextLookup, entry: ContextEntry, i: number): boolean {
    const { tests } = this;
    for (let t = 0; t < tests.length; t++) if (tests[t]!(entry, i, context)) return true;
    return false;
  }
}

/** The condition of an operator that is not Null on `key`, from its values (policyValue). */
export function conditionOf(
  operator: ParsedOperator,
  key: string,
  tests: readonly ValueTest[],
): CompiledCondition {
  const mode =
    operator.qualifier === 'ForAllValues'
      ? SetMode.ForAllValues
      : operator.qualifier === 'ForAnyValue'
        ? SetMode.ForAnyValue
        : SetMode.Single;
  return new ValueCondition(
    operator.name,
    intern(key.toLowerCase()),
    mode,
    operator.ifExists,
    operator.spec!.negated,
    tests,
  );
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
