// The compiled, evaluated form of a policy: built once by compile (parse.ts), read by evaluate.
// Invariants:
// - INVARIANT(lowercase-actions): action patterns and request actions are compared in lower case.
// - INVARIANT(case-sensitive-arns): resource patterns keep their case; ARNs compare case-sensitively.
// - INVARIANT(index): every statement is in `byService` under each exact service prefix of its
//   Action patterns, or in `anyService` (NotAction, or a wildcard in the service prefix); never both.
// - Compiled objects are frozen and shared between requests: evaluation never mutates them, apart
//   from bounded memos of patterns compiled per resolved variable value (variables.ts).
import type { PolicyDocument, PolicyVersion } from './document.ts';
import type { MatchedStatement, PolicyKind, PolicyType, Principal } from './types.ts';
import type { CompiledCondition } from './conditions/condition.ts';
import type { PreparedRequest } from './request.ts';

export interface CompiledPolicy {
  readonly id: string;
  readonly kind: PolicyKind;
  readonly version: PolicyVersion | undefined;
  /** The document as written (validated). */
  readonly document: PolicyDocument;
  readonly statements: readonly CompiledStatement[];
  readonly byService: ReadonlyMap<string, readonly CompiledStatement[]>;
  readonly anyService: readonly CompiledStatement[];
}

export interface CompiledStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  readonly action: ActionMatcher;
  /** Null when the statement has no Resource/NotResource element (trust policies): any resource. */
  readonly resource: ResourceMatcher | null;
  /** Null when the statement has no Principal/NotPrincipal element (identity policies). */
  readonly principal: PrincipalMatcher | null;
  readonly conditions: readonly CompiledCondition[];
  /** Memo: how this statement is reported when it matches in a policy of each type. */
  readonly described: Map<PolicyType, MatchedStatement>;
}

export interface ActionMatcher {
  /** `actionKey` is the lower-case "service:action". */
  matches(actionKey: string): boolean;
}

export interface ResourceMatcher {
  matches(request: PreparedRequest): boolean;
}

/**
 * How a resource-based policy's Principal names the caller, which decides whether the grant stands
 * alone (same account): `direct` (the user, the session, a service, or "*"), `role` (the role of a
 * session: still limited by the session's boundary and session policies) or `account` (delegates to
 * the account's identity policies).
 */
export type Grant = 'direct' | 'role' | 'account';

export interface PrincipalMatcher {
  /** The grant the statement gives this principal, or null when it does not name it. */
  match(principal: Principal | undefined): Grant | null;
}
