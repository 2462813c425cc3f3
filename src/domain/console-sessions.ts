// Console sessions: who is signed in, how far the sign-in has got, and the Caller the domain sees.
// Kept in the store (console_sessions), so any node of a deployment serves any session.
//
// Security properties:
// - the cookie holds 32 random bytes (base64url); the store keeps only their SHA-256, so a copy of
//   the database yields no usable session, and the token is looked up by its hash;
// - a new token is issued at every step of a sign-in (password → MFA → password change → signed
//   in) and the previous one deleted, so a token seen before sign-in never becomes a signed-in one;
// - lifetimes (documented in docs/console.md and below): a signed-in session ends 12 hours after
//   sign-in (absolute) or after 1 hour without a request (idle); a sign-in waiting for its MFA code
//   or its password change ends after 10 minutes; sign-out deletes the session;
// - every session has its own CSRF token (32 random bytes), compared in constant time;
// - a session names its IAM user by id: it ends when that user is deleted or loses its password,
//   even if a user of the same name exists again;
// - a session signed in through the federation endpoint (console-federation.ts) names its STS
//   session by access key id and runs as that session's Caller: it ends when that session's role
//   (by id) or the IAM user behind a federation token (by id) is deleted, and at its own expiry
//   (SessionDuration, or the credentials' expiry when none was asked for);
// - a session that has switched role (console-switch-role.ts) names that role session by access
//   key id and runs as it until it expires, or its role (by id) is deleted; then it runs as its
//   own principal again.
import { hashSessionToken } from '../crypto/session-tokens.ts';
import { newSecretToken } from '../crypto/ids.ts';
import { equalsConstantTime } from '../crypto/constant-time.ts';
import type { Caller } from './caller.ts';
import type { Iam } from './iam.ts';
import { rootArn } from './names.ts';
import { ROOT_OWNER } from './records.ts';
import type { SessionRecord } from './sts/sessions.ts';
import { userArn } from './iam/users.ts';
import { consoleSessions, roles, signinTokens, stsSessions, users } from './tables.ts';
import { callerFor as signingCallerFor } from './authenticate.ts';
import type { ContextValue } from '../policy/index.ts';

export const ABSOLUTE_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const IDLE_LIFETIME_MS = 60 * 60 * 1000;
export const PENDING_LIFETIME_MS = 10 * 60 * 1000;
/** lastSeenAt is written at most this often, so reading pages does not write on every request. */
const TOUCH_INTERVAL_MS = 60 * 1000;

export type Stage = 'mfa' | 'password-change' | 'active';

/**
 * Who signs in: the root user, an IAM user by id (and the name it had, for display), or an STS
 * session (a role session or a federated user) by its access key id, with the label the console
 * shows for it (ROLE/SESSION, or the federated user's name).
 */
export type Principal =
  | { readonly kind: 'root'; readonly id: typeof ROOT_OWNER }
  | { readonly kind: 'user'; readonly id: string; readonly userName: string }
  | { readonly kind: 'sts-session'; readonly id: string; readonly label: string };

/** How the console names the principal in its header: root, the user's name, or ROLE/SESSION. */
export function principalLabel(principal: Principal): string {
  switch (principal.kind) {
    case 'root':
      return 'root';
    case 'user':
      return principal.userName;
    case 'sts-session':
      return principal.label;
  }
}

export const ROOT_PRINCIPAL: Principal = { kind: 'root', id: ROOT_OWNER };

export interface ConsoleSessionRecord {
  /** The SHA-256 of the cookie's token. */
  readonly id: string;
  readonly account: string;
  readonly principal: Principal;
  stage: Stage;
  readonly csrf: string;
  readonly issuedAt: string;
  lastSeenAt: string;
  readonly expiresAt: string;
  mfaAuthenticatedAt?: string;
  /** Wrong MFA codes in this sign-in (at most MAX_MFA_ATTEMPTS, then the sign-in starts over). */
  mfaAttempts?: number;
  passwordChangeReason?: 'reset-required' | 'expired';
  /** A key created in this session whose secret may still be downloaded once as CSV (sealed). */
  /** A new access key's secret: shown once on the page after its creation, downloadable once. */
  pendingAccessKey?: { id: string; sealedSecret: string; createdAt: string; shown?: boolean };
  /**
   * A service-specific credential's password from Create or Reset (sealed), shown once on the page
   * after it; emptied once shown.
   */
  pendingServiceCredential?: { id: string; userName: string; sealedPassword: string; createdAt: string };
  /** A virtual MFA device created and not yet enabled: its seed and QR code (sealed). */
  pendingMfa?: { serialNumber: string; sealedSeed: string; sealedPng: string };
  /** New MFA recovery codes (sealed, one per line): shown once on the page after their creation. */
  pendingRecoveryCodes?: { sealedCodes: string; createdAt: string };
  /** The challenge of a WebAuthn ceremony in progress (registration or sign-in), single use. */
  webauthn?: { challenge: string; purpose: 'register' | 'authenticate'; expiresAt: string };
  /** The broker's sign-in page a federated sign-in named (Issuer): where signing out leads back. */
  readonly issuer?: string;
  /** The role session this console session has switched to (Switch role), while it lasts. */
  switched?: SwitchedRole;
  /**
   * The user must enrol an MFA device (an administrator's reset, or a group's grace period): found
   * at sign-in, so pages check it without reading the user (domain/portcullis/mfa-enrolment.ts).
   */
  mfaEnrolment?: MfaEnrolment;
}

/**
 * Why and by when a signed-in user must enrol MFA. Due now (`due`), or once `deadline` passes;
 * until then the console shows a notice with `deadline` and `signInsLeft` (after this sign-in).
 */
export interface MfaEnrolment {
  readonly reason: 'reset' | 'grace-period';
  readonly due?: true;
  readonly deadline?: string;
  readonly signInsLeft?: number;
}

/** Switch role's session: the STS role session the console runs as, and how its banner shows it. */
export interface SwitchedRole {
  /** The role session's access key id (its sts_sessions row). */
  readonly accessKeyId: string;
  readonly account: string;
  readonly roleName: string;
  readonly displayName: string;
  readonly color: SwitchColor;
  /** The role session's expiry: the switch ends with it. */
  readonly expiresAt: string;
}

/** The colours AWS's console offers for a switched role's banner ("none": no colour). */
export const SWITCH_COLORS = ['none', 'red', 'orange', 'yellow', 'green', 'blue'] as const;
export type SwitchColor = (typeof SWITCH_COLORS)[number];

export interface ActiveSession {
  readonly token: string;
  readonly record: ConsoleSessionRecord;
}

export async function createSession(
  iam: Iam,
  account: string,
  principal: Principal,
  stage: Stage,
  carry: Partial<
    Pick<ConsoleSessionRecord, 'mfaAuthenticatedAt' | 'passwordChangeReason' | 'mfaEnrolment'>
  > = {},
  replaces?: ConsoleSessionRecord,
): Promise<ActiveSession> {
  const now = iam.now();
  const lifetime = stage === 'active' ? ABSOLUTE_LIFETIME_MS : PENDING_LIFETIME_MS;
  const session = newSessionRecord(account, principal, stage, now, new Date(now.getTime() + lifetime), {
    ...(replaces?.issuedAt && stage !== 'active' ? { issuedAt: replaces.issuedAt } : {}),
    // A requirement found at sign-in holds through its later steps (the password change).
    ...(replaces?.mfaEnrolment ? { mfaEnrolment: replaces.mfaEnrolment } : {}),
    ...carry,
  });
  await iam.store.write(async (tx) => {
    if (replaces) await tx.delete(consoleSessions, replaces.id);
    await tx.insert(consoleSessions, session.record);
  });
  return session;
}

/** A new session's token and record (not yet stored): the token is handed out once, its hash kept. */
export function newSessionRecord(
  account: string,
  principal: Principal,
  stage: Stage,
  now: Date,
  expiresAt: Date,
  extra: Partial<
    Pick<
      ConsoleSessionRecord,
      'issuedAt' | 'mfaAuthenticatedAt' | 'passwordChangeReason' | 'issuer' | 'mfaEnrolment'
    >
  > = {},
): ActiveSession {
  const token = newSecretToken(32);
  const record: ConsoleSessionRecord = {
    id: hashSessionToken(token),
    account,
    principal,
    stage,
    csrf: newSecretToken(32),
    issuedAt: iso(now),
    lastSeenAt: iso(now),
    expiresAt: iso(expiresAt),
    ...extra,
  };
  return { token, record };
}

/**
 * The session a cookie names, if it is still valid (expired ones are deleted on sight, and handed
 * to `ended`, so the console can say where a federated session's person signs in again).
 */
export async function loadSession(
  iam: Iam,
  token: string | undefined,
  ended?: (record: ConsoleSessionRecord) => void,
): Promise<ConsoleSessionRecord | undefined> {
  if (!token || token.length > 200) return undefined;
  const record = await iam.store.read((tx) => tx.get(consoleSessions, hashSessionToken(token)));
  if (!record) return undefined;
  // What this node remembers of the account is brought up to date before the request uses it.
  await iam.refresh(record.account);
  const now = iam.now().getTime();
  const idleLimit = record.stage === 'active' ? IDLE_LIFETIME_MS : PENDING_LIFETIME_MS;
  if (now >= Date.parse(record.expiresAt) || now >= Date.parse(record.lastSeenAt) + idleLimit) {
    await deleteSession(iam, record);
    ended?.(record);
    return undefined;
  }
  if (now - Date.parse(record.lastSeenAt) >= TOUCH_INTERVAL_MS) {
    record.lastSeenAt = iso(new Date(now));
    await saveSession(iam, record);
  }
  return record;
}

const SWEEP_BATCH = 100;

/**
 * STS sessions are kept this long past their expiry: their tokens answer ExpiredToken from the
 * token alone afterwards (crypto/session-tokens.ts), but the first release's tokens, migrated
 * with their sessions, cannot, and answer so only while their rows exist.
 */
const STS_SESSION_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes console sessions past their absolute expiry, and STS sessions a day past theirs, the
 * oldest first, a batch at a time (called at each sign-in, so abandoned sessions do not pile up).
 * Console sessions that ended by idling are deleted when they are next presented.
 */
export async function sweepExpiredSessions(iam: Iam): Promise<void> {
  const now = iam.now().toISOString();
  const retained = new Date(iam.now().getTime() - STS_SESSION_RETENTION_MS).toISOString();
  await iam.store.write(async (tx) => {
    const oldest = { orderBy: 'expires_at', limit: SWEEP_BATCH };
    for (const session of await tx.list(consoleSessions, oldest)) {
      if (session.expiresAt <= now) await tx.delete(consoleSessions, session.id);
    }
    for (const session of await tx.list(stsSessions, oldest)) {
      if (session.expiresAt <= retained) await tx.delete(stsSessions, session.accessKeyId);
    }
    for (const token of await tx.list(signinTokens, oldest)) {
      if (token.expiresAt <= now) await tx.delete(signinTokens, token.id);
    }
  });
}

/** Ends every other console session of the same principal (after a password change). */
export async function endOtherSessions(iam: Iam, keep: ConsoleSessionRecord): Promise<void> {
  await iam.store.write(async (tx) => {
    const same = await tx.list(consoleSessions, {
      where: { account: keep.account, principal_id: keep.principal.id },
    });
    for (const other of same) if (other.id !== keep.id) await tx.delete(consoleSessions, other.id);
  });
}

/** Saves what a step of the session changed (its state, not its identity). */
export async function saveSession(iam: Iam, record: ConsoleSessionRecord): Promise<void> {
  await iam.store.write((tx) => tx.put(consoleSessions, record));
}

export async function deleteSession(iam: Iam, record: ConsoleSessionRecord): Promise<void> {
  await iam.store.write((tx) => tx.delete(consoleSessions, record.id));
}

export function csrfMatches(record: { csrf: string }, submitted: string | null | undefined): boolean {
  return typeof submitted === 'string' && equalsConstantTime(record.csrf, submitted);
}

/**
 * The Caller for a console session: the root user or the IAM user, carrying a SessionRecord of type
 * 'console' so that authorize adds aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge and
 * aws:TokenIssueTime exactly as for an MFA-backed session token. Undefined when the user is gone.
 */
export async function callerFor(
  iam: Iam,
  record: ConsoleSessionRecord,
  requestContext: Record<string, ContextValue>,
): Promise<Caller | undefined> {
  if (record.principal.kind === 'sts-session')
    return stsSessionCaller(iam, record.principal.id, requestContext);
  const session: SessionRecord = {
    accessKeyId: `console:${record.id.slice(0, 16)}`,
    account: record.account,
    type: 'console',
    sealedSecret: '',
    tokenHash: record.id,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    ...(record.principal.kind === 'user'
      ? { principalId: record.principal.id, userName: record.principal.userName }
      : {}),
    ...(record.mfaAuthenticatedAt ? { mfaAuthenticatedAt: record.mfaAuthenticatedAt } : {}),
    policyArns: [],
    tags: [],
    transitiveTagKeys: [],
    chained: false,
  };
  if (record.principal.kind === 'root') {
    return {
      account: record.account,
      type: 'root',
      arn: rootArn(record.account),
      userId: record.account,
      session,
      requestContext,
    };
  }
  const userId = record.principal.id;
  const user = await iam.store.read((tx) => tx.get(users, userId));
  if (!user || !user.loginProfile) return undefined;
  return {
    account: record.account,
    type: 'user',
    arn: userArn(user),
    userName: user.name,
    userId: user.id,
    session,
    requestContext,
  };
}

/**
 * The Caller of the role session a console session has switched to, while it is valid: not past
 * its expiry, its role (by id) still there. Undefined otherwise (the console then runs as its own
 * principal again).
 */
export async function switchedCallerFor(
  iam: Iam,
  switched: SwitchedRole,
  requestContext: Record<string, ContextValue>,
): Promise<Caller | undefined> {
  if (iam.now().getTime() >= Date.parse(switched.expiresAt)) return undefined;
  // The role's account may have changed through another node since this one last read it.
  await iam.refresh(switched.account);
  return stsSessionCaller(iam, switched.accessKeyId, requestContext);
}

/**
 * The Caller of a console session signed in with temporary credentials: the very Caller the API
 * builds for those credentials (so the role's or federated user's policies, and the session
 * policies, decide every page), while the role — or the IAM user behind a federation token —
 * still exists by id. The STS session's own expiry does not end the console session: AWS gives
 * the console session the length asked for with SessionDuration (the session row outlives it).
 * What the API refuses temporary credentials outright (sts/admission.ts) is not refused here: a
 * federated user reaches IAM in the console — STS API model, GetFederationToken: "You cannot call
 * any IAM operations using the CLI or the AWS API. This limitation does not apply to console
 * sessions."
 */
async function stsSessionCaller(
  iam: Iam,
  accessKeyId: string,
  requestContext: Record<string, ContextValue>,
): Promise<Caller | undefined> {
  const session = await iam.store.read(async (tx) => {
    const found = await tx.get(stsSessions, accessKeyId);
    if (!found) return undefined;
    if (found.type === 'assumed-role' && !(found.role && (await tx.get(roles, found.role.id))))
      return undefined;
    if (found.type === 'federated-user' && found.principalId !== undefined) {
      if (!(await tx.get(users, found.principalId))) return undefined;
    }
    return found;
  });
  if (!session || (session.type !== 'assumed-role' && session.type !== 'federated-user')) return undefined;
  return (await signingCallerFor(iam, { kind: 'session', record: session }, requestContext)) ?? undefined;
}

export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
