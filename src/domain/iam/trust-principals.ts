// Trust policies name principals by ARN, and AWS binds each user or role ARN to that principal's
// unique id when the policy is saved (IAM User Guide, "Role trust policies" / "Principal": "AWS
// transforms the ARN to a unique principal ID ... if you delete and recreate a user or role
// referenced in a trust policy's Principal element, you must edit the role to replace the ARN").
// So here:
// - saving: every user and role ARN in Principal / NotPrincipal ("AWS") of an account kept in
//   this store must name an existing principal (else MalformedPolicyDocument, "Invalid principal
//   in policy"), and is bound to its id;
// - evaluating: the document is evaluated with the ids in place of the ARNs, so only that very
//   principal matches — not a re-created one of the same name, not another renamed into it;
// - showing: each id is shown as its principal's current ARN, or as the bare id once the
//   principal is gone, as GetRole shows it on AWS.
// ARNs of accounts this store does not keep stay ARNs (there is nothing to bind them to).
import { IamError } from '../errors.ts';
import type { RoleRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { accounts, roles, users } from '../tables.ts';
import { iamArn } from '../names.ts';

const PRINCIPAL_ARN = /^arn:aws:iam::(\d{12}):(user|role)(\/(?:[\x21-\x7e]*\/)?)?([\w+=,.@-]+)$/;

type Statement = Record<string, unknown>;

function statementsOf(document: unknown): Statement[] {
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  if (Array.isArray(statement)) return statement as Statement[];
  return statement && typeof statement === 'object' ? [statement as Statement] : [];
}

/** Every "AWS" principal value of the document's Principal and NotPrincipal elements. */
function awsPrincipals(document: unknown): string[] {
  const found: string[] = [];
  for (const statement of statementsOf(document)) {
    for (const element of [statement.Principal, statement.NotPrincipal]) {
      const aws = (element as { AWS?: unknown } | null)?.AWS;
      for (const value of Array.isArray(aws) ? aws : [aws]) if (typeof value === 'string') found.push(value);
    }
  }
  return found;
}

/** The document with each "AWS" principal value passed through `map`, as compact JSON. */
function mapPrincipals(text: string, map: (value: string) => string): string {
  const document = JSON.parse(text) as unknown;
  for (const statement of statementsOf(document)) {
    for (const name of ['Principal', 'NotPrincipal']) {
      const element = statement[name] as { AWS?: unknown } | null | undefined;
      if (!element || typeof element !== 'object') continue;
      const aws = element.AWS;
      if (typeof aws === 'string') element.AWS = map(aws);
      else if (Array.isArray(aws)) element.AWS = aws.map((v) => (typeof v === 'string' ? map(v) : v));
    }
  }
  return JSON.stringify(document);
}

/**
 * Binds the trust policy's user and role ARNs to their principals' ids (see above); a principal
 * of a kept account that does not exist is AWS's MalformedPolicyDocument.
 */
export async function bindTrustPrincipals(tx: StoreTx, text: string): Promise<Record<string, string>> {
  const bound: Record<string, string> = {};
  for (const value of awsPrincipals(JSON.parse(text))) {
    const match = PRINCIPAL_ARN.exec(value);
    if (!match || Object.hasOwn(bound, value)) continue;
    const [, account, type, path = '/', name] = match as unknown as [
      string,
      string,
      'user' | 'role',
      string,
      string,
    ];
    if (!(await tx.get(accounts, account))) continue;
    const where = { account, name_lower: name.toLowerCase() };
    const principal = type === 'user' ? await tx.find(users, where) : await tx.find(roles, where);
    if (!principal || principal.path !== path) {
      throw new IamError('MalformedPolicyDocument', `Invalid principal in policy: "AWS":"${value}"`);
    }
    bound[value] = principal.id;
  }
  return bound;
}

/** The trust policy as evaluated: the bound ARNs replaced by the ids they were bound to. */
export function trustPolicyForEvaluation(role: RoleRecord): string {
  const bound = role.trustPrincipals;
  if (!bound || Object.keys(bound).length === 0) return role.trustPolicy;
  return mapPrincipals(role.trustPolicy, (value) => (Object.hasOwn(bound, value) ? bound[value]! : value));
}

/**
 * The trust policies of these roles as GetRole shows them, by role id: each bound id as its
 * principal's current ARN, or as the id itself once the principal is gone. A policy whose
 * principals are all where they were is shown exactly as it was given.
 */
export async function trustPoliciesForDisplay(
  tx: StoreTx,
  shown: readonly RoleRecord[],
): Promise<(role: RoleRecord) => string> {
  const ids = new Set<string>();
  for (const role of shown) for (const id of Object.values(role.trustPrincipals ?? {})) ids.add(id);
  const current = new Map<string, string>();
  if (ids.size > 0) {
    const wanted = [...ids];
    for (const user of await tx.getMany(users, wanted))
      current.set(user.id, iamArn(user.account, 'user', user.path, user.name));
    for (const role of await tx.getMany(roles, wanted))
      current.set(role.id, iamArn(role.account, 'role', role.path, role.name));
  }
  return (role) => {
    const bound = role.trustPrincipals;
    if (!bound) return role.trustPolicy;
    const entries = Object.entries(bound);
    if (entries.every(([arn, id]) => current.get(id) === arn)) return role.trustPolicy;
    return mapPrincipals(role.trustPolicy, (value) =>
      Object.hasOwn(bound, value) ? (current.get(bound[value]!) ?? bound[value]!) : value,
    );
  };
}
