// Temporary credentials: one record per session, keyed by its ASIA access key id. The secret is
// sealed like a long-term key's; the session token is kept only as a hash. A session names the
// principal it was issued for by id (principalId, role.id): when that principal is gone, the
// session is worth nothing, even if a principal of the same name exists again.
import type { Tag } from '../records.ts';

/**
 * How the session began; 'console' is a web console sign-in (it carries MFA like a session token);
 * 'root' is a member account's root session (AssumeRoot), limited by its task policy (policyArns).
 */
export type SessionType = 'session-token' | 'assumed-role' | 'federated-user' | 'console' | 'root';

export interface SessionRecord {
  readonly accessKeyId: string;
  readonly account: string;
  readonly type: SessionType;
  /** Sealed with context `session:<accessKeyId>`. */
  readonly sealedSecret: string;
  readonly tokenHash: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** The IAM user's id behind a session-token, federated-user or console session (absent: the root user). */
  readonly principalId?: string;
  /** That user's name when the session was issued (absent: the root user). */
  readonly userName?: string;
  readonly role?: {
    readonly name: string;
    readonly id: string;
    readonly arn: string;
    readonly sessionName: string;
  };
  readonly federatedName?: string;
  /** When MFA was proven for this session (or the session it was assumed from). */
  readonly mfaAuthenticatedAt?: string;
  /** Session policies: an inline document and managed policy ARNs, resolved at evaluation. */
  readonly inlinePolicy?: string;
  readonly policyArns: readonly string[];
  readonly tags: readonly Tag[];
  readonly transitiveTagKeys: readonly string[];
  readonly sourceIdentity?: string;
  /** Assumed from another role session (role chaining: at most one hour). */
  readonly chained: boolean;
}

export function sessionArn(session: SessionRecord): string {
  if (session.type === 'assumed-role') {
    return `arn:aws:sts::${session.account}:assumed-role/${session.role!.name}/${session.role!.sessionName}`;
  }
  if (session.type === 'federated-user')
    return `arn:aws:sts::${session.account}:federated-user/${session.federatedName}`;
  return session.userName === undefined
    ? `arn:aws:iam::${session.account}:root`
    : `arn:aws:iam::${session.account}:user/${session.userName}`;
}
