// First start: an empty store gets the default account, its root user (e-mail and password for
// the console) and one root access key. Settings may fix each value (for CI); what is generated is
// returned once so that the caller can show it and write it to a private file.
import { hashPassword } from '../crypto/passwords.ts';
import { newAccessKeyId, newAccountId, newSecretAccessKey, newSecretToken } from '../crypto/ids.ts';
import type { Iam } from './iam.ts';
import type { AccessKeyRecord, AccountRecord } from './records.ts';

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
  const existing = await iam.store.read((tx) => tx.list<AccountRecord>('account', { limit: 1 }));
  if (existing.length > 0) {
    const account = existing[0]!.value;
    return { created: false, accountId: account.id, rootEmail: account.rootEmail };
  }
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
  await iam.store.write(async (tx) => {
    const account: AccountRecord = { id: accountId, rootEmail, rootPasswordHash, createdAt };
    await tx.put('account', accountId, account);
    const key: AccessKeyRecord = {
      account: accountId,
      userName: undefined,
      id: rootAccessKeyId,
      sealedSecret: iam.sealer.seal(rootSecretAccessKey, `access-key:${rootAccessKeyId}`),
      status: 'Active',
      createdAt,
    };
    await tx.put('access-key', rootAccessKeyId, key);
  });
  return { created: true, accountId, rootEmail, rootPassword, rootAccessKeyId, rootSecretAccessKey };
}
