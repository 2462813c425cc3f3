// What a console sign-in reads and records besides its session: the account and user signing in,
// their second factors, and the password's use. The checks themselves (password, throttles, MFA
// codes) are made by the console's sign-in routes with these answers.
import type { Iam } from './iam.ts';
import type { AccountRecord, UserRecord } from './records.ts';
import { accounts, securityKeys, users } from './tables.ts';
import { enabledDevicesOf, type MfaOwner } from './iam/mfa-common.ts';
import type { Principal } from './console-sessions.ts';

export function signInAccount(iam: Iam, account: string): Promise<AccountRecord | undefined> {
  return iam.store.read((tx) => tx.get(accounts, account));
}

/** The account whose root user has this e-mail address (unique across accounts, as on AWS). */
export function signInRootAccount(iam: Iam, email: string): Promise<AccountRecord | undefined> {
  return iam.store.read((tx) => tx.find(accounts, { root_email_lower: email.toLowerCase() }));
}

export function signInUser(iam: Iam, account: string, userName: string): Promise<UserRecord | undefined> {
  return iam.store.read((tx) => tx.find(users, { account, name_lower: userName.toLowerCase() }));
}

/** The serial numbers of the principal's devices that answer codes (virtual devices). */
export async function codeDevicesOf(iam: Iam, account: string, principal: Principal): Promise<string[]> {
  // A role session or a federated user has no MFA devices of its own.
  if (principal.kind === 'sts-session') return [];
  return iam.store.read(async (tx) => {
    let owner: MfaOwner = { kind: 'root' };
    if (principal.kind === 'user') {
      const user = await tx.get(users, principal.id);
      if (!user) return [];
      owner = { kind: 'user', user };
    }
    return (await enabledDevicesOf(tx, account, owner)).map((d) => d.serialNumber);
  });
}

export function securityKeyCount(iam: Iam, account: string, principal: Principal): Promise<number> {
  return iam.store.read((tx) => tx.count(securityKeys, { account, owner_id: principal.id }));
}

/**
 * Records a console password's use (PasswordLastUsed, the credential report) on the user or the
 * account: a change to them like any other, seen by every node at once (sign-ins are rare).
 */
export async function recordPasswordUse(
  iam: Iam,
  account: string,
  principal: Principal,
  now: string,
): Promise<void> {
  await iam.store.write(
    async (tx) => {
      if (principal.kind === 'sts-session') return;
      if (principal.kind === 'root') {
        const record = await tx.get(accounts, account);
        if (record) await tx.update(accounts, { ...record, rootPasswordLastUsed: now });
        return;
      }
      const user = await tx.get(users, principal.id);
      if (user) await tx.update(users, { ...user, passwordLastUsed: now });
    },
    { account },
  );
}
