// First start: an empty store gets the default account, its root user (e-mail and password for
// the console) and one root access key. Settings may fix each value (for CI); what is generated is
// returned once so that the caller can show it and write it to a private file.
import { hashPassword } from '../crypto/passwords.ts';
import { newAccessKeyId, newAccountId, newSecretAccessKey, newSecretToken } from '../crypto/ids.ts';
import type { Iam } from './iam.ts';
import type { StoreTx } from './store.ts';
import type { AccessKeyRecord, AccountRecord } from './records.ts';
import { accessKeys, accounts } from './tables.ts';

export interface BootstrapSettings {
  readonly accountId?: string;
  readonly rootEmail?: string;
  readonly rootPassword?: string;
  readonly rootAccessKeyId?: string;
  readonly rootSecretAccessKey?: string;
}

export interface BootstrapResult {
  readonly created: boolean;
  readonly accountId: string;
  readonly rootEmail: string;
  /** Only when the account was created just now. */
  readonly rootPassword?: string;
  readonly rootAccessKeyId?: string;
  readonly rootSecretAccessKey?: string;
}

export async function bootstrap(iam: Iam, settings: BootstrapSettings): Promise<BootstrapResult> {
  const existing = await iam.store.read(oldestAccount);
  if (existing) return { created: false, accountId: existing.id, rootEmail: existing.rootEmail };
  const accountId = settings.accountId ?? newAccountId();
  const rootEmail = settings.rootEmail ?? 'root@portcullis.local';
  const rootPassword = settings.rootPassword ?? newSecretToken(18);
  const rootAccessKeyId = settings.rootAccessKeyId ?? newAccessKeyId('long-term');
  const rootSecretAccessKey = settings.rootSecretAccessKey ?? newSecretAccessKey();
  const createdAt = iam
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const rootPasswordHash = await hashPassword(rootPassword);
  // Looked for again inside the write: several nodes starting together on an empty database
  // create one account between them.
  const raced = await iam.store.write(async (tx) => {
    const first = await oldestAccount(tx);
    if (first) return first;
    const account: AccountRecord = { id: accountId, rootEmail, rootPasswordHash, createdAt };
    await tx.insert(accounts, account);
    const key: AccessKeyRecord = {
      account: accountId,
      id: rootAccessKeyId,
      sealedSecret: iam.sealer.seal(rootSecretAccessKey, `access-key:${rootAccessKeyId}`),
      status: 'Active',
      createdAt,
      position: 1,
    };
    await tx.insert(accessKeys, key);
    return undefined;
  });
  if (raced) return { created: false, accountId: raced.id, rootEmail: raced.rootEmail };
  return { created: true, accountId, rootEmail, rootPassword, rootAccessKeyId, rootSecretAccessKey };
}

/** The account a server starts with: the first one created. */
async function oldestAccount(tx: StoreTx): Promise<AccountRecord | undefined> {
  const all = await tx.list(accounts, {});
  return all.reduce<AccountRecord | undefined>(
    (a, b) => (a && a.createdAt <= b.createdAt ? a : b),
    undefined,
  );
}
