// Console sessions: who is signed in, how far the sign-in has got, and the Caller the domain sees.
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
// - a session of an IAM user that has been deleted, or whose password was removed, ends.
import { hashSessionToken } from '../crypto/session-tokens.ts';
import { newSecretToken } from '../crypto/ids.ts';
import { equalsConstantTime } from '../crypto/constant-time.ts';
import type { Caller } from '../domain/caller.ts';
import { timeContext } from '../domain/caller.ts';
import type { Iam } from '../domain/iam.ts';
import { key, rootArn } from '../domain/names.ts';
import type { UserRecord } from '../domain/records.ts';
import type { SessionRecord } from '../domain/sts/sessions.ts';
import { userArn } from '../domain/iam/users.ts';
import type { ContextValue } from '../policy/index.ts';

export const ABSOLUTE_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const IDLE_LIFETIME_MS = 60 * 60 * 1000;
export const PENDING_LIFETIME_MS = 10 * 60 * 1000;
/** lastSeenAt is written at most this often, so reading pages does not write on every request. */
const TOUCH_INTERVAL_MS = 60 * 1000;

export type Stage = 'mfa' | 'password-change' | 'active';

export type Principal = { readonly kind: 'root' } | { readonly kind: 'user'; readonly userName: string };

export interface ConsoleSessionRecord {
  readonly tokenHash: string;
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
  pendingAccessKey?: { id: string; sealedSecret: string; createdAt: string };
  /** A virtual MFA device created and not yet enabled: its seed and QR code (sealed). */
  pendingMfa?: { serialNumber: string; sealedSeed: string; sealedPng: string };
  /** The challenge of a WebAuthn ceremony in progress (registration or sign-in), single use. */
  webauthn?: { challenge: string; purpose: 'register' | 'authenticate'; expiresAt: string };
}

export interface ActiveSession {
  readonly token: string;
  readonly record: ConsoleSessionRecord;
}

export async function createSession(
  iam: Iam,
  account: string,
  principal: Principal,
  stage: Stage,
  carry: Partial<Pick<ConsoleSessionRecord, 'mfaAuthenticatedAt' | 'passwordChangeReason'>> = {},
  replaces?: ConsoleSessionRecord,
): Promise<ActiveSession> {
  const token = newSecretToken(32);
  const now = iam.now();
  const lifetime = stage === 'active' ? ABSOLUTE_LIFETIME_MS : PENDING_LIFETIME_MS;
  const record: ConsoleSessionRecord = {
    tokenHash: hashSessionToken(token),
    account,
    principal,
    stage,
    csrf: newSecretToken(32),
    issuedAt: replaces?.issuedAt && stage !== 'active' ? replaces.issuedAt : iso(now),
    lastSeenAt: iso(now),
    expiresAt: iso(new Date(now.getTime() + lifetime)),
    ...carry,
  };
  await iam.store.write(async (tx) => {
    if (replaces) await tx.delete('console-session', replaces.tokenHash);
    await tx.put('console-session', record.tokenHash, record);
  });
  return { token, record };
}

/** The session a cookie names, if it is still valid (expired ones are deleted on sight). */
export async function loadSession(
  iam: Iam,
  token: string | undefined,
): Promise<ConsoleSessionRecord | undefined> {
  if (!token || token.length > 200) return undefined;
  const tokenHash = hashSessionToken(token);
  const record = await iam.store.read((tx) => tx.get<ConsoleSessionRecord>('console-session', tokenHash));
  if (!record) return undefined;
  const now = iam.now().getTime();
  const idleLimit = record.stage === 'active' ? IDLE_LIFETIME_MS : PENDING_LIFETIME_MS;
  if (now >= Date.parse(record.expiresAt) || now >= Date.parse(record.lastSeenAt) + idleLimit) {
    await deleteSession(iam, record);
    return undefined;
  }
  if (now - Date.parse(record.lastSeenAt) >= TOUCH_INTERVAL_MS) {
    record.lastSeenAt = iso(new Date(now));
    await saveSession(iam, record);
  }
  return record;
}

let sweepCursor: string | undefined;
const SWEEP_BATCH = 100;

/**
 * Deletes expired sessions, a batch at a time, walking the store from where the last sweep ended
 * (called at each sign-in, so abandoned sessions do not pile up).
 */
export async function sweepExpiredSessions(iam: Iam): Promise<void> {
  const now = iam.now().getTime();
  await iam.store.write(async (tx) => {
    const batch = await tx.list<ConsoleSessionRecord>('console-session', {
      after: sweepCursor,
      limit: SWEEP_BATCH,
    });
    sweepCursor = batch.length === SWEEP_BATCH ? batch[batch.length - 1]!.key : undefined;
    for (const { key: entryKey, value } of batch) {
      const idleLimit = value.stage === 'active' ? IDLE_LIFETIME_MS : PENDING_LIFETIME_MS;
      if (now >= Date.parse(value.expiresAt) || now >= Date.parse(value.lastSeenAt) + idleLimit) {
        await tx.delete('console-session', entryKey);
      }
    }
  });
}

/** Ends every other console session of the same principal (after a password change). */
export async function endOtherSessions(iam: Iam, keep: ConsoleSessionRecord): Promise<void> {
  const same = (other: ConsoleSessionRecord) =>
    other.account === keep.account &&
    other.principal.kind === keep.principal.kind &&
    (other.principal.kind === 'root' ||
      (keep.principal.kind === 'user' &&
        other.principal.userName.toLowerCase() === keep.principal.userName.toLowerCase()));
  await iam.store.write(async (tx) => {
    let after: string | undefined;
    for (;;) {
      const batch = await tx.list<ConsoleSessionRecord>('console-session', { after, limit: 500 });
      for (const { key: entryKey, value } of batch) {
        if (entryKey !== keep.tokenHash && same(value)) await tx.delete('console-session', entryKey);
      }
      if (batch.length < 500) return;
      after = batch[batch.length - 1]!.key;
    }
  });
}

export async function saveSession(iam: Iam, record: ConsoleSessionRecord): Promise<void> {
  await iam.store.write((tx) => tx.put('console-session', record.tokenHash, record));
}

export async function deleteSession(iam: Iam, record: ConsoleSessionRecord): Promise<void> {
  await iam.store.write((tx) => tx.delete('console-session', record.tokenHash));
}

export function csrfMatches(record: { csrf: string }, submitted: string | null | undefined): boolean {
  return typeof submitted === 'string' && equalsConstantTime(record.csrf, submitted);
}

/** What the wire knows about a console request: AWS's request-level context keys. */
export function consoleRequestContext(
  now: Date,
  request: { ip: string; secure: boolean; userAgent: string | undefined },
): Record<string, ContextValue> {
  return {
    ...timeContext(now),
    'aws:SourceIp': request.ip,
    'aws:SecureTransport': request.secure,
    // IAM is a global service; AWS reports its console requests in us-east-1.
    'aws:RequestedRegion': 'us-east-1',
    ...(request.userAgent ? { 'aws:UserAgent': request.userAgent } : {}),
  };
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
  const session: SessionRecord = {
    accessKeyId: `console:${record.tokenHash.slice(0, 16)}`,
    account: record.account,
    type: 'console',
    sealedSecret: '',
    tokenHash: record.tokenHash,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    ...(record.principal.kind === 'user' ? { userName: record.principal.userName } : {}),
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
  const userName = record.principal.userName;
  const user = await iam.store.read((tx) => tx.get<UserRecord>('user', key.entity(record.account, userName)));
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

export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
