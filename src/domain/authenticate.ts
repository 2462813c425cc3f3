// From a verified access key id to the Caller: the key's secret for SigV4 (opened from its sealed
// form only here), its status, and the principal it belongs to. Use of a key is recorded for
// GetAccessKeyLastUsed and the credential report.
import type { Iam } from './iam.ts';
import type { AccessKeyRecord, UserRecord } from './records.ts';
import type { Caller } from './caller.ts';
import { key, rootArn } from './names.ts';
import { userArn } from './iam/users.ts';
import type { ContextValue } from '../policy/index.ts';

export interface KeyLookupResult {
  readonly secretAccessKey: string;
  readonly record: AccessKeyRecord;
}

/** The secret of an active long-term key, or null when the key is unknown or inactive (AWS says the same for both). */
export async function lookupAccessKey(iam: Iam, accessKeyId: string): Promise<KeyLookupResult | null> {
  const record = await iam.store.read((tx) => tx.get<AccessKeyRecord>('access-key', accessKeyId));
  if (!record || record.status !== 'Active') return null;
  return { secretAccessKey: iam.sealer.open(record.sealedSecret, `access-key:${record.id}`), record };
}

/** The caller behind a verified long-term key; null if its user vanished meanwhile. */
export async function callerForAccessKey(
  iam: Iam,
  record: AccessKeyRecord,
  requestContext: Readonly<Record<string, ContextValue>>,
): Promise<Caller | null> {
  if (record.userName === undefined) {
    return {
      account: record.account,
      type: 'root',
      arn: rootArn(record.account),
      userId: record.account,
      accessKeyId: record.id,
      requestContext,
    };
  }
  const user = await iam.store.read((tx) =>
    tx.get<UserRecord>('user', key.entity(record.account, record.userName!)),
  );
  if (!user) return null;
  return {
    account: record.account,
    type: 'user',
    arn: userArn(user),
    userName: user.name,
    userId: user.id,
    accessKeyId: record.id,
    requestContext,
  };
}

/** AWS records a key's use at coarse granularity; so do we, to keep reads free of writes. */
const LAST_USED_GRANULARITY_MS = 15 * 60 * 1000;

export async function recordAccessKeyUse(
  iam: Iam,
  record: AccessKeyRecord,
  region: string,
  service: string,
): Promise<void> {
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
