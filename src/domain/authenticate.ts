// From the access key id of a signed request to the Caller: the signing secret for SigV4 (opened
// from its sealed form only here), the key's or session's validity, and the principal behind it.
// Use of a long-term key is recorded for GetAccessKeyLastUsed and the credential report.
import type { Iam } from './iam.ts';
import type { StoreTx } from './store.ts';
import type { AccessKeyRecord, UserRecord } from './records.ts';
import type { Caller } from './caller.ts';
import { key, rootArn } from './names.ts';
import { userArn } from './iam/users.ts';
import type { ContextValue } from '../policy/index.ts';
import { sessionTokenMatches } from '../crypto/session-tokens.ts';
import { sessionArn, type SessionRecord } from './sts/sessions.ts';

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
  const found = await findSigningKey(iam, accessKeyId);
  if (!found) return accessKeyId.startsWith('ASIA') ? { error: INVALID_TOKEN } : null;
  if (found.signing.kind === 'session') {
    const session = found.signing.record;
    if (sessionToken === undefined || !sessionTokenMatches(sessionToken, session.tokenHash))
      return { error: INVALID_TOKEN };
    if (Date.parse(session.expiresAt) <= iam.now().getTime()) return { error: EXPIRED_TOKEN };
  } else if (found.signing.record.status !== 'Active') {
    return null;
  }
  return found;
}

type FoundKey = { secretAccessKey: string; signing: Signing } | null;

/**
 * The key's record and opened secret. Nearly every request repeats the lookup of the one before,
 * so the answer is remembered until the next write transaction (iam.readRemembered), which makes
 * a deactivated or deleted key fail on the very next request all the same.
 */
function findSigningKey(iam: Iam, accessKeyId: string): Promise<FoundKey> {
  return iam.readRemembered(`signing-key\u0000${accessKeyId}`, async (tx): Promise<FoundKey> => {
    if (accessKeyId.startsWith('ASIA')) {
      const session = await tx.get<SessionRecord>('session', accessKeyId);
      if (!session) return null;
      const secretAccessKey = iam.sealer.open(session.sealedSecret, `session:${session.accessKeyId}`);
      return { secretAccessKey, signing: { kind: 'session', record: session } };
    }
    const record = await tx.get<AccessKeyRecord>('access-key', accessKeyId);
    if (!record) return null;
    return {
      secretAccessKey: iam.sealer.open(record.sealedSecret, `access-key:${record.id}`),
      signing: { kind: 'key', record },
    };
  });
}

/** The caller behind a verified signature; null if its user or role vanished meanwhile. */
export async function callerFor(
  iam: Iam,
  signing: Signing,
  requestContext: Readonly<Record<string, ContextValue>>,
): Promise<Caller | null> {
  const id = signing.kind === 'key' ? signing.record.id : signing.record.accessKeyId;
  // Who signs does not change between writes: the principal is remembered, the context is not.
  const principal = await iam.readRemembered(`caller\u0000${id}`, (tx) => principalOf(tx, signing));
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
    if (record.userName === undefined)
      return { ...base, type: 'root', arn: rootArn(record.account), userId: record.account };
    const user = await tx.get<UserRecord>('user', key.entity(record.account, record.userName));
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
    case 'session-token':
    case 'console': {
      if (session.userName === undefined)
        return { ...base, type: 'root', arn: rootArn(session.account), userId: session.account };
      const user = await tx.get<UserRecord>('user', key.entity(session.account, session.userName));
      return user
        ? { ...base, type: 'user', arn: userArn(user), userName: user.name, userId: user.id }
        : null;
    }
  }
}

/** AWS records a key's use at coarse granularity; so do we, to keep reads free of writes. */
const LAST_USED_GRANULARITY_MS = 15 * 60 * 1000;

export async function recordAccessKeyUse(
  iam: Iam,
  signing: Signing,
  region: string,
  service: string,
): Promise<void> {
  if (signing.kind !== 'key') return;
  const record = signing.record;
  const now = iam.now();
  const last = record.lastUsed;
  if (
    last &&
    last.region === region &&
    last.service === service &&
    now.getTime() - Date.parse(last.date) < LAST_USED_GRANULARITY_MS
  ) {
    return;
  }
  await iam.store.write(async (tx) => {
    const current = await tx.get<AccessKeyRecord>('access-key', record.id);
    if (!current) return;
    current.lastUsed = { date: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), region, service };
    await tx.put('access-key', record.id, current);
  });
}
