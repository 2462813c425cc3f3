// `portcullis explain`'s output: AWS's AccessDenied text (or the allow) on top, the rule that
// decided beneath it, then every policy set with each statement and why it did or did not apply.
// `json` carries the same, for tools.
import {
  accessDeniedMessage,
  type ConditionTrace,
  type MatchedStatement,
  type PolicySetTrace,
  type StatementTrace,
} from '../policy/index.ts';
import type { Explanation } from './explain.ts';

export const EXPLAIN_FORMATS = ['text', 'json'] as const;
export type ExplainFormat = (typeof EXPLAIN_FORMATS)[number];

export function renderExplanation(explanation: Explanation, format: ExplainFormat): string {
  return format === 'json' ? `${JSON.stringify(toJson(explanation), null, 2)}\n` : toText(explanation);
}

/** The verdict as the caller would see it: AWS's AccessDenied message, or that it is allowed. */
export function verdictLine({ principalArn, action, resource, trace, refused }: Explanation): string {
  // AWS's refusal of what the credentials cannot call names neither resource nor reason.
  if (refused) return `AccessDenied: User: ${principalArn} is not authorized to perform: ${action}`;
  if (trace.result.decision === 'allowed')
    return `Allowed: ${principalArn} may perform ${action}${resource === '*' ? '' : ` on resource: ${resource}`}`;
  return `AccessDenied: ${accessDeniedMessage({ principalArn, action, resource, result: trace.result })}`;
}

/** The row of AWS's evaluation logic that decided (IAM User Guide, "Policy evaluation logic"). */
export function ruleLine({ trace, refused }: Explanation): string {
  if (refused) return refused;
  const { decision, deniedBy, decidingStatements } = trace.result;
  if (decision === 'explicitDeny')
    return `An explicit Deny in ${/^[aeiou]/.test(deniedBy ?? '') ? 'an' : 'a'} ${deniedBy} policy overrides every Allow: ${names(decidingStatements)}.`;
  if (decision === 'allowed') return `Allowed by ${names(decidingStatements)}, and nothing denies it.`;
  switch (deniedBy) {
    case 'resource control':
      return "Every level of the resource's organization's resource control policies must allow the action; one does not (implicit deny).";
    case 'service control':
      return "Every level of the organization's service control policies must allow the action; one does not (implicit deny).";
    case 'role trust':
      return "The role's trust policy does not allow this principal (implicit deny).";
    case 'resource-based':
      return "Across accounts, both the resource-based policy and the principal's policies must allow; the resource-based policy does not (implicit deny).";
    case 'permissions boundary':
      return 'An identity-based policy allows, but the permissions boundary does not: only what both allow is allowed (implicit deny).';
    case 'session':
      return 'The role allows, but the session policy does not: a session gets only what both allow (implicit deny).';
    default:
      return 'No identity-based policy allows the action, and what is not allowed is denied (implicit deny).';
  }
}

function names(statements: readonly MatchedStatement[]): string {
  return statements.map((s) => `${s.policyId} ${statementName(s)}`).join('; ') || 'the root user';
}

function statementName(s: { sid: string | undefined; index: number }): string {
  return s.sid ? `statement ${s.index} (Sid ${s.sid})` : `statement ${s.index}`;
}

function toText(e: Explanation): string {
  const lines = [verdictLine(e), '', `Rule: ${ruleLine(e)}`, ''];
  lines.push(`Request: ${e.action} on ${e.resource}`);
  lines.push('Context:');
  for (const [key, value] of Object.entries(e.context)) lines.push(`  ${key} = ${JSON.stringify(value)}`);
  const missing = e.trace.result.missingContextKeys;
  if (missing.length > 0)
    lines.push(`Keys conditions asked for and the request lacks: ${missing.join(', ')}`);
  for (const set of e.trace.sets) {
    lines.push('', setTitle(set));
    if (set.policies.length === 0) lines.push('  (none)');
    for (const policy of set.policies) {
      lines.push(`  ${policy.policyId}`);
      for (const statement of policy.statements) lines.push(...statementLines(statement, e));
    }
  }
  return `${lines.join('\n')}\n`;
}

function setTitle(set: PolicySetTrace): string {
  const title =
    set.level !== undefined
      ? `${set.type} policies, level ${set.level + 1}${set.level === 0 ? ' (root)' : ''}`
      : `${set.type} policies`;
  return `${title}:`;
}

function statementLines(s: StatementTrace, e: Explanation): string[] {
  const head = `    ${statementName(s)} ${s.effect}: `;
  const lines: string[] = [];
  switch (s.outcome) {
    case 'matched':
      lines.push(`${head}MATCHED${s.effect === 'Deny' ? ' (denies)' : ' (allows)'}`);
      break;
    case 'action':
      lines.push(
        `${head}no match: ${e.action} is ${s.action.element === 'NotAction' ? '' : 'not '}in ${s.action.element} ${s.action.values.join(', ')}`,
      );
      return lines;
    case 'resource':
      lines.push(
        `${head}no match: ${e.resource} is ${s.resource!.element === 'NotResource' ? '' : 'not '}in ${s.resource!.element} ${s.resource!.values.join(', ')}`,
      );
      return lines;
    case 'principal':
      lines.push(
        `${head}no match: ${e.principalArn} is ${s.principal!.element === 'NotPrincipal' ? '' : 'not '}in ${s.principal!.element} ${s.principal!.values.join(', ')}`,
      );
      return lines;
    case 'condition':
      lines.push(`${head}no match: a condition is not met`);
      break;
  }
  for (const c of s.conditions) lines.push(`      ${conditionLine(c)}`);
  return lines;
}

export function conditionLine(c: ConditionTrace): string {
  const test = `${c.operator} ${c.key} ${JSON.stringify(c.policyValues)}`;
  const got = c.keyPresent ? `the request has ${JSON.stringify(c.requestValues)}` : 'the key is absent';
  return `${c.holds ? 'holds' : 'FAILS'}: ${test}; ${got}`;
}

function toJson(e: Explanation): object {
  const { result, sets } = e.trace;
  return {
    principal: e.principalArn,
    action: e.action,
    resource: e.resource,
    context: e.context,
    decision: e.refused ? 'implicitDeny' : result.decision,
    deniedBy: e.refused ? null : (result.deniedBy ?? null),
    message:
      result.decision === 'allowed' && !e.refused ? null : verdictLine(e).slice('AccessDenied: '.length),
    ...(e.refused ? { refused: e.refused } : {}),
    rule: ruleLine(e),
    decidingStatements: result.decidingStatements,
    missingContextKeys: result.missingContextKeys,
    policySets: sets,
  };
}
