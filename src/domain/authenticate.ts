// From the access key id of a signed request to the Caller: the signing secret for SigV4 (opened
// from its sealed form only here), the key's or session's validity, and the principal behind it.
//
// A request's account is known from its key id (a key belongs to one account for good), so the
// node's memory of that account is refreshed against the store before anything remembered is
// used: a key deactivated or a policy changed through another node counts on the next request.
import type { Iam } from './iam.ts';
import type { StoreTx } from './store.ts';
import type { Caller } from './caller.ts';
import { rootArn } from './names.ts';
import { accessKeys, stsSessions, users } from './tables.ts';
import { userArn } from './iam/users.ts';
import type { ContextValue } from '../policy/index.ts';
import { sessionTokenMatches, stsTokenExpiry } from '../crypto/session-tokens.ts';
import { sessionArn, type SessionRecord } from './sts/sessions.ts';
import type { AccessKeyRecord } from './records.ts';

export type Signing =
  | { readonly kind: 'key'; readonly record: AccessKeyRecord }
  | { readonly kind: 'session'; readonly record: SessionRecord };

export interface AuthFailure {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

export type SigningLookup = { secretAccessKey: string; signing: Signing } | { error: AuthFailure } | null;

const INVALID_TOKEN: AuthFailure = {
  code: 'InvalidClientTokenId',
  message: 'The security token included in the request is invalid.',
  status: 403,
};
const EXPIRED_TOKEN: AuthFailure = {
  code: 'ExpiredToken',
  message: 'The security token included in the request is expired',
  status: 403,
};

/**
 * The secret to verify a signature with. Unknown and inactive keys, and a session token that does
 * not belong to the key, all answer as AWS does: the token is invalid. An expired session says so.
 */
export async function lookupSigningKey(
  iam: Iam,
  accessKeyId: string,
  sessionToken: string | undefined,
): Promise<SigningLookup> {
  const account = await accountOfKey(iam, accessKeyId);
  if (account === undefined)
    return accessKeyId.startsWith('ASIA') ? { error: goneSession(iam, accessKeyId, sessionToken) } : null;
  await iam.refresh(account);
  const found = await findSigningKey(iam, account, accessKeyId);
  if (!found) return accessKeyId.startsWith('ASIA') ? { error: INVALID_TOKEN } : null;
  if (found.signing.kind === 'session') {
    const session = found.signing.record;
    if (sessionToken === undefined || !sessionTokenMatches(sessionToken, session.tokenHash))
      return { error: INVALID_TOKEN };
    if (Date.parse(session.expiresAt) <= iam.now().getTime()) return { error: EXPIRED_TOKEN };
  } else if (found.signing.record.status !== 'Active') {
    return null;
  } else if (sessionToken !== undefined) {
    // A long-term key never comes with a session token: AWS refuses the pair as an invalid token.
    return { error: INVALID_TOKEN };
  }
  return found;
}

type FoundKey = { secretAccessKey: string; signing: Signing } | null;

/**
 * A temporary key with no session (swept away after it expired, or never issued): a token this
 * server issued for that key, and that has expired, is ExpiredToken however old, as on AWS.
 */
function goneSession(iam: Iam, accessKeyId: string, sessionToken: string | undefined): AuthFailure {
  const expiry =
    sessionToken === undefined ? undefined : stsTokenExpiry(iam.sealer.macMatches, accessKeyId, sessionToken);
  return expiry !== undefined && expiry <= iam.now().getTime() ? EXPIRED_TOKEN : INVALID_TOKEN;
}

/**
 * The key's record and opened secret. Nearly every request repeats the lookup of the one before,
 * so the answer is remembered until the next write transaction (iam.readRemembered), which makes
 * a deactivated or deleted key fail on the very next request all the same.
 */
function findSigningKey(iam: Iam, account: string, accessKeyId: string): Promise<FoundKey> {
  return iam.readRemembered(account, `signing-key\u0000${accessKeyId}`, async (tx): Promise<FoundKey> => {
    if (accessKeyId.startsWith('ASIA')) {
      const session = await tx.get(stsSessions, accessKeyId);
      if (!session) return null;
      const secretAccessKey = iam.sealer.open(session.sealedSecret, `session:${session.accessKeyId}`);
      return { secretAccessKey, signing: { kind: 'session', record: session } };
    }
    const record = await tx.get(accessKeys, accessKeyId);
    if (!record) return null;
    return {
      secretAccessKey: iam.sealer.open(record.sealedSecret, `access-key:${record.id}`),
      signing: { kind: 'key', record },
    };
  });
}

/** The accounts of the key ids seen: a fact that never changes, kept per Iam (bounded). */
const keyAccounts = new WeakMap<Iam, Map<string, string>>();
const KEY_ACCOUNTS_LIMIT = 100_000;

/** The account an access key id (long-term or temporary) belongs to, if it exists. */
async function accountOfKey(iam: Iam, accessKeyId: string): Promise<string | undefined> {
  let known = keyAccounts.get(iam);
  if (!known) keyAccounts.set(iam, (known = new Map()));
  const account = known.get(accessKeyId);
  if (account !== undefined) return account;
  const found = await iam.store.read(async (tx) =>
    accessKeyId.startsWith('ASIA')
      ? (await tx.get(stsSessions, accessKeyId))?.account
      : (await tx.get(accessKeys, accessKeyId))?.account,
  );
  if (found === undefined) return undefined;
  if (known.size >= KEY_ACCOUNTS_LIMIT) known.clear();
  known.set(accessKeyId, found);
  return found;
}

/** The caller behind a verified signature; null if its user vanished meanwhile. */
export async function callerFor(
  iam: Iam,
  signing: Signing,
  requestContext: Readonly<Record<string, ContextValue>>,
): Promise<Caller | null> {
  const id = signing.kind === 'key' ? signing.record.id : signing.record.accessKeyId;
  // Who signs does not change between writes: the principal is remembered, the context is not.
  const account = signing.record.account;
  const principal = await iam.readRemembered(account, `caller\u0000${id}`, (tx) => principalOf(tx, signing));
  if (!principal) return null;
  // Written out rather than spread: one object shape for every caller keeps V8's access fast.
  return {
    account: principal.account,
    type: principal.type,
    arn: principal.arn,
    userName: principal.userName,
    userId: principal.userId,
    session: principal.session,
    accessKeyId: principal.accessKeyId,
    requestContext,
  };
}

type Principal = Omit<Caller, 'requestContext'>;

async function principalOf(tx: StoreTx, signing: Signing): Promise<Principal | null> {
  if (signing.kind === 'key') {
    const record = signing.record;
    const base = { account: record.account, accessKeyId: record.id };
    if (record.userId === undefined)
      return { ...base, type: 'root', arn: rootArn(record.account), userId: record.account };
    const user = await tx.get(users, record.userId);
    return user ? { ...base, type: 'user', arn: userArn(user), userName: user.name, userId: user.id } : null;
  }
  const session = signing.record;
  const base = { account: session.account, accessKeyId: session.accessKeyId, session };
  switch (session.type) {
    case 'assumed-role':
      return {
        ...base,
        type: 'assumed-role',
        arn: sessionArn(session),
        userId: `${session.role!.id}:${session.role!.sessionName}`,
      };
    case 'federated-user':
      return {
        ...base,
        type: 'federated-user',
        arn: sessionArn(session),
        userName: session.userName,
        userId: `${session.account}:${session.federatedName}`,
      };
    case 'root':
      return { ...base, type: 'root', arn: rootArn(session.account), userId: session.account };
    case 'session-token':
    case 'console': {
      if (session.principalId === undefined)
        return { ...base, type: 'root', arn: rootArn(session.account), userId: session.account };
      // The user the session was issued to, by id: a re-created user of the same name is not it.
      const user = await tx.get(users, session.principalId);
      return user
        ? { ...base, type: 'user', arn: userArn(user), userName: user.name, userId: user.id }
        : null;
    }
  }
}
