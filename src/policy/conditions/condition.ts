// One compiled condition: an operator applied to one context key with the policy's values.
// Values of one key are ORed; the statement ANDs its conditions. Semantics, as AWS documents them:
// - key absent: ...IfExists and ForAllValues are true, negated operators are true, the rest false;
// - ForAnyValue: some context value satisfies the operator; ForAllValues: every one does;
// - a multivalued key (given as a list) without a set operator: false, whatever the operator
//   (IAM User Guide, "Single-valued vs. multivalued context keys": multivalued context keys
//   require a condition set operator);
// - a policy value whose variable cannot be resolved matches nothing (so negated operators pass).
import type { GlobToken } from '../wildcard.ts';
import { type Resolved, memoizeResolved, parseTemplate } from '../variables.ts';
import { intern } from '../intern.ts';
import { type ContextEntry, type ContextLookup, keyIdOf } from '../request.ts';
import type { Family } from './families.ts';
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
 * Reads a value's variables from the request: its prepared form as a list of one (what a family's
 * anyOf takes), or null (never matches).
 */
type Resolver = Resolved<readonly unknown[] | null>;

/** Each family's prepare, its value as a list of one: one function per family, not per value. */
const preparedAsList = new Map<Family, (tokens: GlobToken[]) => readonly unknown[] | null>();

function prepareAsList(family: Family): (tokens: GlobToken[]) => readonly unknown[] | null {
  let prepare = preparedAsList.get(family);
  if (prepare === undefined) {
    const one = family.prepare;
    prepare = (tokens) => {
      const value = one(tokens);
      return value === null ? null : [value];
    };
    preparedAsList.set(family, prepare);
  }
  return prepare;
}

/**
 * A condition's values, read one at a time (compilation may pause between two): each as its
 * family compares it, or, with variables, read per request. A value that can never match is
 * left out.
 */
export class ConditionValues {
  readonly literals: unknown[] = [];
  readonly resolvers: Resolver[] = [];

  constructor(
    private readonly operator: ParsedOperator,
    private readonly allowVariables: boolean,
  ) {}

  add(text: string): void {
    const { family } = this.operator.spec!;
    const template = parseTemplate(text, { variables: this.allowVariables, wildcards: family.wildcards });
    if (template.hasVariables) {
      this.resolvers.push(memoizeResolved(template, prepareAsList(family)));
      return;
    }
    const value = family.prepare(template.parts as GlobToken[]);
    if (value !== null) this.literals.push(value);
  }
}

const enum SetMode {
  Single,
  ForAllValues,
  ForAnyValue,
}

const NONE: readonly never[] = Object.freeze([]);
const fit = <T>(list: readonly T[]): readonly T[] => (list.length === 0 ? NONE : list.slice());

/**
 * A condition of an operator that is not Null. One class for all, so that evaluation's call site
 * sees one shape, and its values as data: policies hold many.
 */
class ValueCondition implements CompiledCondition {
  constructor(
    readonly operator: string,
    readonly key: string,
    private readonly keyId: number,
    private readonly mode: SetMode,
    private readonly ifExists: boolean,
    private readonly negated: boolean,
    private readonly family: Family,
    private readonly literals: readonly unknown[],
    private readonly resolvers: readonly Resolver[],
  ) {}

  evaluate(context: ContextLookup, sink: MissingKeySink): boolean {
    const entry = context.find(this.keyId, this.key);
    const { mode, negated } = this;
    if (!entry || entry.count === 0) {
      sink.missing(this.key);
      if (mode === SetMode.ForAllValues || this.ifExists) return true;
      if (mode === SetMode.ForAnyValue) return false;
      return negated;
    }
    const { count } = entry;
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

  /** Whether some policy value matches the entry's i-th value (values of a key are ORed). */
  private anyMatches(context: ContextLookup, entry: ContextEntry, i: number): boolean {
    const { family, literals, resolvers } = this;
    if (literals.length > 0 && family.anyOf(literals, entry, i)) return true;
    for (let r = 0; r < resolvers.length; r++) {
      const values = resolvers[r]!.resolve(context);
      if (values !== null && family.anyOf(values, entry, i)) return true;
    }
    return false;
  }
}

/** The condition of an operator that is not Null on `key`, from its values. */
export function conditionOf(
  operator: ParsedOperator,
  key: string,
  values: ConditionValues,
): CompiledCondition {
  const mode =
    operator.qualifier === 'ForAllValues'
      ? SetMode.ForAllValues
      : operator.qualifier === 'ForAnyValue'
        ? SetMode.ForAnyValue
        : SetMode.Single;
  const lower = intern(key.toLowerCase());
  return new ValueCondition(
    operator.name,
    lower,
    keyIdOf(lower),
    mode,
    operator.ifExists,
    operator.spec!.negated,
    operator.spec!.family,
    fit(values.literals),
    fit(values.resolvers),
  );
}

/** Null: "true" holds when the key is absent (or an empty set), "false" when it is present. */
export function nullCondition(
  operator: string,
  writtenKey: string,
  values: readonly string[],
): CompiledCondition {
  const key = intern(writtenKey.toLowerCase());
  const keyId = keyIdOf(key);
  const wantsAbsent = values.some((v) => v.toLowerCase() === 'true');
  const wantsPresent = values.some((v) => v.toLowerCase() === 'false');
  return {
    operator,
    key,
    evaluate(context) {
      const entry = context.find(keyId, key);
      const present = entry !== undefined && entry.count > 0;
      return present ? wantsPresent : wantsAbsent;
    },
  };
}
