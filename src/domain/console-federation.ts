// The console's federation endpoint (a custom identity broker's way in), as AWS documents it in
// "Enable custom identity broker access to the AWS console": a broker holding temporary
// credentials from AssumeRole or GetFederationToken exchanges them (Action=getSigninToken) for a
// sign-in token, and the person it hands the login URL to (Action=login) is signed in to the
// console as that role session or federated user.
//
// Security properties:
// - the credentials are checked through the same lookup as a signed API request
//   (authenticate.ts): an unknown or inactive key, a session token that is not the key's, and an
//   expired session are refused; the secret is compared in constant time;
// - only role sessions and federated users may sign in: long-term keys and GetSessionToken
//   sessions are refused, as AWS refuses them;
// - a sign-in token is 32 random bytes; the store keeps only its SHA-256 (signin_tokens), so a
//   copy of the database signs no one in; it lasts 15 minutes and signs in once: it is deleted in
//   the write transaction that creates the console session, so two nodes redeeming the same token
//   at once cannot both succeed (the store serializes them; the loser finds no row).
import { equalsConstantTime } from '../crypto/constant-time.ts';
import { newSecretToken } from '../crypto/ids.ts';
import { hashSessionToken } from '../crypto/session-tokens.ts';
import { lookupSigningKey } from './authenticate.ts';
import { iso, newSessionRecord, type ActiveSession, type Principal } from './console-sessions.ts';
import type { Iam } from './iam.ts';
import type { SigninTokenRecord } from './records.ts';
import type { StoreTx } from './store.ts';
import type { SessionRecord } from './sts/sessions.ts';
import { consoleSessions, roles, signinTokens, stsSessions, users } from './tables.ts';

/** "The URL that the federation endpoint provides is valid for 15 minutes after it is created." */
export const SIGNIN_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** SessionDuration: from 900 seconds (15 minutes) to 43,200 seconds (12 hours). */
export const SESSION_DURATION_MIN = 900;
export const SESSION_DURATION_MAX = 43_200;
/** Role chaining limits a role session to one hour; a longer console session is refused. */
const CHAINED_SESSION_MAX = 3600;

const SESSION_PARAMETER_MAX = 4096;
const SWEEP_BATCH = 100;

/** The temporary credentials a broker sends (the Session parameter's JSON). */
export interface SessionCredentials {
  readonly sessionId: string;
  readonly sessionKey: string;
  readonly sessionToken: string;
}

export type SigninTokenResult =
  | { readonly ok: true; readonly signinToken: string }
  | { readonly ok: false; readonly reason: 'credentials' | 'session-duration' };

/**
 * The Session parameter: URL-decoded JSON with the three credential strings, or undefined when it
 * is missing, too long, not JSON or not that shape.
 */
export function parseSessionParameter(text: string | undefined): SessionCredentials | undefined {
  if (text === undefined || text.length === 0 || text.length > SESSION_PARAMETER_MAX) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { sessionId, sessionKey, sessionToken } = value as Record<string, unknown>;
  if (typeof sessionId !== 'string' || !/^[A-Z0-9]{16,128}$/.test(sessionId)) return undefined;
  if (typeof sessionKey !== 'string' || sessionKey.length === 0 || sessionKey.length > 128) return undefined;
  if (typeof sessionToken !== 'string' || sessionToken.length === 0 || sessionToken.length > 2048)
    return undefined;
  return { sessionId, sessionKey, sessionToken };
}

/**
 * The SessionDuration parameter: absent (undefined), a whole number of seconds within AWS's range,
 * or 'invalid'.
 */
export function parseSessionDuration(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined) return undefined;
  if (!/^\d{1,6}$/.test(text)) return 'invalid';
  const seconds = Number(text);
  return seconds < SESSION_DURATION_MIN || seconds > SESSION_DURATION_MAX ? 'invalid' : seconds;
}

/**
 * Action=getSigninToken: a sign-in token for valid temporary credentials of a role session or a
 * federated user. SessionDuration may not be given with GetFederationToken credentials, nor above
 * one hour with credentials from role chaining (AWS fails both).
 */
export async function issueSigninToken(
  iam: Iam,
  credentials: SessionCredentials,
  sessionDuration: number | undefined,
): Promise<SigninTokenResult> {
  const refused = { ok: false, reason: 'credentials' } as const;
  const found = await lookupSigningKey(iam, credentials.sessionId, credentials.sessionToken);
  if (!found || 'error' in found || found.signing.kind !== 'session') return refused;
  if (!equalsConstantTime(found.secretAccessKey, credentials.sessionKey)) return refused;
  const session = found.signing.record;
  if (session.type !== 'assumed-role' && session.type !== 'federated-user') return refused;
  if (sessionDuration !== undefined) {
    if (session.type === 'federated-user') return { ok: false, reason: 'session-duration' };
    if (session.chained && sessionDuration > CHAINED_SESSION_MAX)
      return { ok: false, reason: 'session-duration' };
  }
  const signinToken = newSecretToken(32);
  const now = iam.now();
  const record: SigninTokenRecord = {
    id: hashSessionToken(signinToken),
    account: session.account,
    sessionAccessKeyId: session.accessKeyId,
    expiresAt: iso(new Date(now.getTime() + SIGNIN_TOKEN_LIFETIME_MS)),
    ...(sessionDuration !== undefined ? { sessionDuration } : {}),
  };
  await iam.store.write(
    async (tx) => {
      // Tokens never redeemed go, a batch at a time, so they do not pile up.
      const nowText = iso(now);
      for (const old of await tx.list(signinTokens, { orderBy: 'expires_at', limit: SWEEP_BATCH })) {
        if (old.expiresAt <= nowText) await tx.delete(signinTokens, old.id);
      }
      await tx.insert(signinTokens, record);
    },
    { account: session.account },
  );
  return { ok: true, signinToken };
}

/** A sign-in token's shape (base64url of 32 bytes): anything else is not looked up. */
const SIGNIN_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Action=login: consumes the sign-in token and creates the console session of the role session or
 * federated user it stands for, in one write transaction. Undefined when the token is unknown,
 * used, expired, or its session is gone (expired, its role or user deleted).
 */
export async function redeemSigninToken(
  iam: Iam,
  signinToken: string | undefined,
  issuer: string | undefined,
): Promise<ActiveSession | undefined> {
  if (signinToken === undefined || !SIGNIN_TOKEN.test(signinToken)) return undefined;
  const id = hashSessionToken(signinToken);
  return iam.store.write(async (tx) => {
    const token = await tx.get(signinTokens, id);
    if (!token) return undefined;
    // Single use: gone whatever follows (an expired or orphaned token is removed all the same).
    await tx.delete(signinTokens, id);
    const now = iam.now();
    if (Date.parse(token.expiresAt) <= now.getTime()) return undefined;
    // Without SessionDuration the console session lasts as long as the credentials do.
    return consoleSessionFor(tx, token.sessionAccessKeyId, now, token.sessionDuration, issuer);
  });
}

/**
 * A console session for temporary credentials just issued for the console (a SAML sign-in): it
 * lasts as long as they do.
 */
export async function startConsoleSession(iam: Iam, accessKeyId: string): Promise<ActiveSession | undefined> {
  return iam.store.write((tx) => consoleSessionFor(tx, accessKeyId, iam.now(), undefined, undefined));
}

/**
 * Creates, in the caller's write transaction, the console session of the STS session with this
 * key: a role session whose role still exists (by id), or a federated user whose IAM user does.
 */
async function consoleSessionFor(
  tx: StoreTx,
  accessKeyId: string,
  now: Date,
  sessionDuration: number | undefined,
  issuer: string | undefined,
): Promise<ActiveSession | undefined> {
  const session = await tx.get(stsSessions, accessKeyId);
  if (!session || Date.parse(session.expiresAt) <= now.getTime()) return undefined;
  if (session.type === 'assumed-role') {
    if (!session.role || !(await tx.get(roles, session.role.id))) return undefined;
  } else if (session.type === 'federated-user') {
    if (session.principalId !== undefined && !(await tx.get(users, session.principalId))) return undefined;
  } else {
    return undefined;
  }
  const expiresAt =
    sessionDuration !== undefined
      ? new Date(now.getTime() + sessionDuration * 1000)
      : new Date(session.expiresAt);
  const principal: Principal = { kind: 'sts-session', id: session.accessKeyId, label: sessionLabel(session) };
  const created = newSessionRecord(session.account, principal, 'active', now, expiresAt, {
    ...(issuer !== undefined ? { issuer } : {}),
  });
  await tx.insert(consoleSessions, created.record);
  return created;
}

/** The console's header for the session: ROLE/SESSION for a role session, the federated user's name. */
function sessionLabel(session: SessionRecord): string {
  if (session.type === 'assumed-role' && session.role)
    return `${session.role.name}/${session.role.sessionName}`;
  return session.federatedName ?? session.accessKeyId;
}
