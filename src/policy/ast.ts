// The compiled, evaluated form of a policy: built once by compile (parse.ts), read by evaluate.
// Invariants:
// - INVARIANT(lowercase-actions): action patterns and request actions are compared in lower case.
// - INVARIANT(case-sensitive-arns): resource patterns keep their case; ARNs compare case-sensitively.
// - INVARIANT(index): a statement whose Action could match any service (NotAction, or a wildcard
//   in a service prefix) is in `anyService` only. Any other is, for each service prefix its Action
//   names, in `byService` under that prefix when one of its actions there has a wildcard, else in
//   `byAction` under each exact action it lists there. So the statements that can match an action
//   are byAction's under it, byService's under its prefix and anyService, each once, and each list
//   is in document order. Both are held in one index (PolicyEntries), keyed by action
//   ("s3:getobject", always with a colon) and by service prefix ("s3", never with one).
// - Compiled objects are frozen and shared between requests: evaluation never mutates them, apart
//   from bounded memos of patterns compiled per resolved variable value (variables.ts), a glob's
//   search tables, built on its first search (wildcard.ts), and a statement record's memo of how
//   it is reported (statement.ts).
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
  /** By lower-case "service:action": the statement, or the statements in document order. */
  readonly byAction: ReadonlyMap<string, IndexEntry>;
  /** By lower-case service prefix: the statement, or the statements in document order. */
  readonly byService: ReadonlyMap<string, IndexEntry>;
  /** The statements that could match any service, in document order; null when none. */
  readonly anyService: IndexEntry | null;
  /** Its index, statements and their Action and Resource elements in one list: see PolicyEntries. */
  readonly entries: PolicyEntries;
  /** Its number of statements, of index keys and more: see POLICY_SHAPE. */
  readonly shape: number;
}

/**
 * A policy's kind, version, whether its index is Maps, its number of index keys when not, and its
 * number of statements (fewer than 2^17: see validate.ts's size limit), in one number (fields cost
 * 8 bytes each).
 */
export const POLICY_SHAPE = {
  kindMask: 0b111,
  versionShift: 3,
  versionMask: 0b11,
  mapped: 0b100000,
  keysShift: 6,
  keysMask: 0b111,
  countShift: 9,
};

/** How many elements open a policy's list with its index. */
export function indexLength(shape: number): number {
  return (shape & POLICY_SHAPE.mapped) !== 0
    ? 2
    : ((shape >>> POLICY_SHAPE.keysShift) & POLICY_SHAPE.keysMask) * 2;
}

/**
 * Everything a policy holds, in one list (an array costs 48 bytes before its elements, an object
 * 24 and more, and a small policy's fixed cost is most of its heap):
 * 1. its index: for few keys (most policies) its keys and entries alternating, scanned (a Map
 *    costs 184 bytes and more); for more, two Maps, actions' then services';
 * 2. its statements, a record of RECORD slots each (statement.ts), in document order: a statement
 *    is known by its record's position in the list;
 * 3. its statements' Action and Resource values as compiled (StatementDatum), a run of them per
 *    statement, in document order.
 */
export type PolicyEntries = readonly (
  StatementDatum | number | null | IndexEntry | ReadonlyMap<string, IndexEntry> | readonly MatchedStatement[]
)[];

/**
 * A compiled Action or Resource value (statement.ts): a lower-case action or service name, an ARN
 * or ARN prefix, a Set of names or ARNs, or a pattern; or a statement's Sid, Principal and
 * Conditions.
 */
export type StatementDatum = string | ReadonlySet<string> | object;

/**
 * An index entry: the position of a statement's record, or the positions of several, in document
 * order (most keys name one statement: a list of one would cost an array and its element per key).
 */
export type IndexEntry = number | readonly number[];

/** A statement, as tools and explanations see it (evaluation reads its record: statement.ts). */
export interface CompiledStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** Action/NotAction; `actionKey` is the lower-case "service:action", `service` its lower-case prefix. */
  matchesAction(actionKey: string, service: string): boolean;
  /** Resource/NotResource; true when the statement has neither (trust policies): any resource. */
  matchesResource(request: PreparedRequest): boolean;
  /** Null when the statement has no Principal/NotPrincipal element (identity policies). */
  readonly principal: PrincipalMatcher | null;
  readonly conditions: readonly CompiledCondition[];
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
