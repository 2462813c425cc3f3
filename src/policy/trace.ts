// A decision explained statement by statement (`portcullis explain`): the decision itself is
// evaluate()'s, and each statement is tried with the same compiled matchers evaluate uses, so the
// trace cannot disagree with the engine. Tracing is slower than evaluating (every statement of every
// policy is visited, every condition reported) and is never on a request's path.
import type { CompiledPolicy, CompiledStatement, Grant } from './ast.ts';
import type { ConditionBlockDocument, StatementDocument } from './document.ts';
import type { MissingKeySink } from './conditions/condition.ts';
import { evaluate, type EvaluationInput } from './evaluate.ts';
import type { EvaluationResult, PolicyType } from './types.ts';

/** Why a statement did not apply, or `matched` when it did. */
export type StatementOutcome = 'matched' | 'action' | 'resource' | 'principal' | 'condition';

export interface ConditionTrace {
  /** As written in the policy, e.g. "BoolIfExists". */
  readonly operator: string;
  /** As written in the policy. */
  readonly key: string;
  /** The policy's values, as written. */
  readonly policyValues: readonly string[];
  /** The request's values of the key; empty when the key is absent. */
  readonly requestValues: readonly string[];
  readonly keyPresent: boolean;
  readonly holds: boolean;
}

export interface StatementTrace {
  readonly sid: string | undefined;
  /** Zero-based position in its document. */
  readonly index: number;
  readonly effect: 'Allow' | 'Deny';
  readonly outcome: StatementOutcome;
  /** "Action" or "NotAction" with its patterns; likewise Resource and Principal when written. */
  readonly action: ElementTrace;
  readonly resource: ElementTrace | undefined;
  readonly principal: (ElementTrace & { readonly grant: Grant | null }) | undefined;
  /** Every condition, evaluated even after one fails, so that each is reported. */
  readonly conditions: readonly ConditionTrace[];
}

export interface ElementTrace {
  readonly element: string;
  readonly values: readonly string[];
  readonly matches: boolean;
}

export interface PolicyTrace {
  readonly policyId: string;
  readonly statements: readonly StatementTrace[];
}

export interface PolicySetTrace {
  readonly type: PolicyType;
  /** For service and resource control policies: the level (0 = the root) of the organization. */
  readonly level?: number;
  readonly policies: readonly PolicyTrace[];
}

export interface DecisionTrace {
  /** evaluate()'s result for the same input. */
  readonly result: EvaluationResult;
  /** The policy sets in AWS's order of evaluation; absent sets (no boundary, ...) are left out. */
  readonly sets: readonly PolicySetTrace[];
}

const IGNORE_MISSING: MissingKeySink = { missing() {} };

export function traceDecision(input: EvaluationInput): DecisionTrace {
  const result = evaluate(input);
  const sets: PolicySetTrace[] = [];
  input.resourceControlPolicies?.forEach((level, i) =>
    sets.push({ type: 'resource control', level: i, policies: level.map((p) => tracePolicy(p, input)) }),
  );
  input.serviceControlPolicies?.forEach((level, i) =>
    sets.push({ type: 'service control', level: i, policies: level.map((p) => tracePolicy(p, input)) }),
  );
  if (input.resourcePolicies?.length) {
    const type = input.resourcePolicies.some((p) => p.kind === 'trust') ? 'role trust' : 'resource-based';
    sets.push({ type, policies: input.resourcePolicies.map((p) => tracePolicy(p, input)) });
  }
  sets.push({
    type: 'identity-based',
    policies: (input.identityPolicies ?? []).map((p) => tracePolicy(p, input)),
  });
  if (input.permissionsBoundaries)
    sets.push({
      type: 'permissions boundary',
      policies: input.permissionsBoundaries.map((p) => tracePolicy(p, input)),
    });
  if (input.sessionPolicies)
    sets.push({ type: 'session', policies: input.sessionPolicies.map((p) => tracePolicy(p, input)) });
  return { result, sets };
}

function tracePolicy(policy: CompiledPolicy, input: EvaluationInput): PolicyTrace {
  const written = asArray(policy.document.Statement);
  return {
    policyId: policy.id,
    statements: policy.statements.map((s) => traceStatement(s, written[s.index]!, input)),
  };
}

function traceStatement(
  statement: CompiledStatement,
  written: StatementDocument,
  { request }: EvaluationInput,
): StatementTrace {
  const action: ElementTrace = {
    element: written.NotAction !== undefined ? 'NotAction' : 'Action',
    values: asArray(written.NotAction ?? written.Action ?? []),
    matches: statement.matchesAction(request.actionKey, request.service),
  };
  const resource: ElementTrace | undefined =
    written.Resource !== undefined || written.NotResource !== undefined
      ? {
          element: written.NotResource !== undefined ? 'NotResource' : 'Resource',
          values: asArray(written.NotResource ?? written.Resource ?? []),
          matches: statement.matchesResource(request),
        }
      : undefined;
  let principal: StatementTrace['principal'];
  if (statement.principal) {
    const grant = statement.principal.match(request.principal);
    const document = written.NotPrincipal ?? written.Principal;
    principal = {
      element: written.NotPrincipal !== undefined ? 'NotPrincipal' : 'Principal',
      values:
        document === '*' || document === undefined
          ? ['*']
          : Object.entries(document).flatMap(([kind, ids]) =>
              asArray(ids as string | readonly string[]).map((id) => `${kind}: ${id}`),
            ),
      matches: grant !== null,
      grant,
    };
  }
  const writtenConditions = conditionEntries(written.Condition);
  const conditions = statement.conditions.map((condition, i): ConditionTrace => {
    const entry = request.context.get(condition.key);
    const present = entry !== undefined && entry.values.length > 0;
    const [operator, key, values] = writtenConditions[i] ?? [condition.operator, condition.key, []];
    return {
      operator,
      key,
      policyValues: values,
      requestValues: present ? entry.values : [],
      keyPresent: present,
      holds: condition.evaluate(request.context, IGNORE_MISSING),
    };
  });
  const outcome: StatementOutcome = !action.matches
    ? 'action'
    : resource && !resource.matches
      ? 'resource'
      : principal && !principal.matches
        ? 'principal'
        : conditions.some((c) => !c.holds)
          ? 'condition'
          : 'matched';
  return {
    sid: statement.sid,
    index: statement.index,
    effect: statement.effect,
    outcome,
    action,
    resource,
    principal,
    conditions,
  };
}

/** The Condition block flattened in the order compile reads it (parse.ts compileConditions). */
function conditionEntries(
  block: ConditionBlockDocument | undefined,
): (readonly [operator: string, key: string, values: readonly string[]])[] {
  const entries: [string, string, string[]][] = [];
  for (const [operator, keys] of Object.entries(block ?? {}))
    for (const [key, values] of Object.entries(keys))
      entries.push([operator, key, asArray(values).map(String)]);
  return entries;
}

function asArray<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
