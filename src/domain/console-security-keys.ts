// The console's security keys (WebAuthn) as domain operations: the console verifies the browser's
// ceremony (@simplewebauthn/server) and calls these to read, register, remove and use keys, so that
// it never touches the store itself — as the API's operations do, each is authorized by the engine
// in the transaction that acts.
//
// A security key is an MFA device (AWS): registering needs iam:EnableMFADevice, removing
// iam:DeactivateMFADevice, on the owner's own ARN (the root ARN for the root user). Keys are filed
// under the owner's immutable id, never the name.
import { authorize } from './authorize.ts';
import type { Caller } from './caller.ts';
import type { ConsoleSessionRecord } from './console-sessions.ts';
import { IamError } from './errors.ts';
import type { Iam } from './iam.ts';
import {
  addSecurityKey,
  removeSecurityKey,
  securityKeysOfOwner,
  type MfaOwner,
  type SecurityKeyRecord,
} from './iam/mfa-common.ts';
import { userArn } from './iam/users.ts';
import { rootArn } from './names.ts';
import { ROOT_OWNER } from './records.ts';
import type { StoreTx } from './store.ts';
import { securityKeys, users } from './tables.ts';
import { forgetRecoveryCodesWithoutMfa } from './portcullis/recovery-codes.ts';

/** Who owns a console session's keys: its id for keys, its ARN, its MFA owner. */
export interface KeyOwner {
  readonly ownerId: string;
  readonly arn: string;
  readonly mfaOwner: MfaOwner;
}

/** A new key, as the browser's registration ceremony gave it. */
export interface NewSecurityKey {
  readonly credentialId: string;
  /** base64url */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports?: string[];
  readonly name: string;
}

async function ownerOf(tx: StoreTx, record: ConsoleSessionRecord): Promise<KeyOwner | undefined> {
  if (record.principal.kind === 'root')
    return { ownerId: ROOT_OWNER, arn: rootArn(record.account), mfaOwner: { kind: 'root' } };
  // A role session or a federated user has no security keys of its own; nor has a console session
  // while it has switched role (it acts as that role session, and is authorized as it).
  if (record.principal.kind === 'sts-session' || record.switched) return undefined;
  const user = await tx.get(users, record.principal.id);
  return user ? { ownerId: user.id, arn: userArn(user), mfaOwner: { kind: 'user', user } } : undefined;
}

async function authorizedOwner(
  iam: Iam,
  tx: StoreTx,
  caller: Caller,
  record: ConsoleSessionRecord,
  action: string,
): Promise<KeyOwner> {
  const owner = await ownerOf(tx, record);
  if (!owner) throw new IamError('NoSuchEntity', 'The user cannot be found.');
  await authorize(iam, tx, caller, { action, resource: owner.arn });
  return owner;
}

/** The keys of the session's owner (none for a role session or a federated user). */
export function securityKeysOfSession(iam: Iam, record: ConsoleSessionRecord): Promise<SecurityKeyRecord[]> {
  return iam.store.read(async (tx) => {
    const owner = await ownerOf(tx, record);
    return owner ? securityKeysOfOwner(tx, record.account, owner.mfaOwner) : [];
  });
}

/** The owner, if the caller may do `action` to its own keys (e.g. before offering a registration). */
export function authorizeOwnSecurityKeys(
  iam: Iam,
  caller: Caller,
  record: ConsoleSessionRecord,
  action: string,
): Promise<KeyOwner> {
  return iam.store.read((tx) => authorizedOwner(iam, tx, caller, record, action));
}

/** Registers a verified key as an enabled MFA device of the session's owner. */
export function registerSecurityKey(
  iam: Iam,
  caller: Caller,
  record: ConsoleSessionRecord,
  key: NewSecurityKey,
  at: string,
): Promise<void> {
  return iam.store.write(async (tx) => {
    const owner = await authorizedOwner(iam, tx, caller, record, 'iam:EnableMFADevice');
    await addSecurityKey(
      tx,
      record.account,
      owner.mfaOwner,
      {
        credentialId: key.credentialId,
        publicKey: key.publicKey,
        counter: key.counter,
        ...(key.transports ? { transports: key.transports } : {}),
        name: key.name,
      },
      at,
    );
  });
}

/** Removes one of the session owner's keys (and its MFA device). */
export function removeSessionSecurityKey(
  iam: Iam,
  caller: Caller,
  record: ConsoleSessionRecord,
  credentialId: string,
): Promise<void> {
  return iam.store.write(async (tx) => {
    const owner = await authorizedOwner(iam, tx, caller, record, 'iam:DeactivateMFADevice');
    const removed = await removeSecurityKey(tx, record.account, owner.mfaOwner, { credentialId });
    if (!removed)
      throw new IamError('NoSuchEntity', `MFA Device with serial number ${credentialId} does not exist.`);
    await forgetRecoveryCodesWithoutMfa(tx, record.account, owner.mfaOwner);
  });
}

/** A key's successful use: its signature counter and when it was last used. */
export function recordSecurityKeyUse(
  iam: Iam,
  credentialId: string,
  counter: number,
  at: string,
): Promise<void> {
  return iam.store.write(async (tx) => {
    const current = await tx.get(securityKeys, credentialId);
    if (!current) return;
    current.counter = counter;
    current.lastUsedAt = at;
    await tx.update(securityKeys, current);
  });
}
