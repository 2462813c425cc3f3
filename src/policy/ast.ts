// The compiled, evaluated form of a policy: built once by compile (parse.ts), read by evaluate.
// Invariants:
// - INVARIANT(lowercase-actions): action patterns and request actions are compared in lower case.
// - INVARIANT(case-sensitive-arns): resource patterns keep their case; ARNs compare case-sensitively.
// - INVARIANT(index): a statement whose Action could match any service (NotAction, or a wildcard
//   in a service prefix) is in `anyService` only. Any other is, for each service prefix its Action
//   names, in `byService` under that prefix when one of its actions there has a wildcard, else in
//   `byAction` under each exact action it lists there. So the statements that can match an action
//   are byAction's under it, byService's under its prefix and anyService, each once, and each list
//   is in document order.
// - Compiled objects are frozen and shared between requests: evaluation never mutates them, apart
//   from bounded memos of patterns compiled per resolved variable value (variables.ts) and a
//   glob's search tables, built on its first search (wildcard.ts).
import type { PolicyDocument, PolicyVersion } from './document.ts';
import type { MatchedStatement, PolicyKind, Principal } from './types.ts';
import type { CompiledCondition } from './conditions/condition.ts';
import type { PreparedRequest } from './request.ts';

export interface CompiledPolicy {
  readonly id: string;
  readonly kind: PolicyKind;
  readonly version: PolicyVersion | undefined;
  /** The document as written (validated), read again from the text on each use. */
  readonly document: PolicyDocument;
  readonly statements: readonly CompiledStatement[];
  /** By lower-case "service:action". */
  readonly byAction: ReadonlyMap<string, readonly CompiledStatement[]>;
  /** By lower-case service prefix. */
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
  readonly described: MatchedStatement[];
}

export interface ActionMatcher {
  /** `actionKey` is the lower-case "service:action", `service` its lower-case prefix. */
  matches(actionKey: string, service: string): boolean;
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
