// Shared pieces of the virtual MFA family: where devices are kept, how a serial number finds one,
// whose device it is, AWS's errors, and the throttle on wrong codes.
//
// Storage: one row per device (mfa_devices), found by its serial number (unique, compared without
// case). AWS keys virtual devices by path and name: "test-device" may exist at "/" and at
// "/test/" at once (moto's test of CreateVirtualMFADevice, which mirrors AWS).
//
// Assignment: a device is assigned while `enabledAt` is set; its `ownerId` is then the IAM
// user's id, or "root" for the root user's devices. So a renamed user keeps its devices, and a
// re-created user of the same name has none.
//
// FIDO security keys (registered in the console, see src/console/security-keys.ts) are MFA
// devices too, as on AWS: each key has a row in security_keys (its WebAuthn credential, under the
// owner's id) and a device row of type "u2f", serial number
// arn:aws:iam::<account>:u2f/user/<UserName>/<key name>-<random suffix> (…:u2f/root/… for the
// root user), enabled from its registration. Both are written and removed together
// (addSecurityKey / removeSecurityKey), so ListMFADevices, GetMFADevice, the credential report,
// GetAccountSummary and DeleteUser's DeleteConflict see them. A u2f device has no seed: TOTP
// checks answer 'unknown-device' for it, and the virtual-only operations
// (ListVirtualMFADevices, DeleteVirtualMFADevice, tags) do not see it. Renaming a user keeps its
// keys' serial numbers (they are identifiers).
import { randomBytes } from 'node:crypto';
import { newInternalId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn, rootArn } from '../names.ts';
import type { Iam } from '../iam.ts';
import type { StoreTx } from '../store.ts';
import { ROOT_OWNER, type MfaDeviceRecord, type SecurityKeyRecord, type UserRecord } from '../records.ts';
import { accounts, mfaDevices, securityKeys } from '../tables.ts';
import { type Input, type OperationContext, check, str } from '../operation.ts';
import { authorizedUser, findUser, requiredTargetUserName } from './users.ts';

// Not confirmed against AWS: the LimitExceeded texts for these two quotas ("Cannot exceed quota
// for MFADevicesPerUser: 8", "... VirtualMFADevicesPerAccount: 5000"); no recorded response found,
// worded like AWS's recorded quota texts (e.g. AccessKeysPerUser in access-keys.ts).
/** Up to 8 MFA devices of any kind per identity, for root and for each IAM user (IAM quotas). */
export const MFA_DEVICES_PER_USER = 8;
/** Virtual MFA devices, assigned or not, are limited to the account's user quota (IAM quotas). */
export const VIRTUAL_MFA_DEVICES_PER_ACCOUNT = 5000;

export async function findDevice(
  tx: StoreTx,
  account: string,
  serialNumber: string,
): Promise<MfaDeviceRecord | undefined> {
  const device = await tx.find(mfaDevices, { serial_lower: serialNumber.toLowerCase() });
  return device && device.account === account ? device : undefined;
}

export function saveDevice(tx: StoreTx, device: MfaDeviceRecord): Promise<void> {
  return tx.update(mfaDevices, device);
}

/** A new device row's id. */
export function newDeviceId(): string {
  return newInternalId();
}

/** The ARN to authorize a device action on: the device's own, or the serial number as given. */
export function deviceArnFor(
  account: string,
  serialNumber: string,
  device: MfaDeviceRecord | undefined,
): string {
  if (device) return device.serialNumber;
  return serialNumber.startsWith('arn:') ? serialNumber : iamArn(account, 'mfa', '/', serialNumber);
}

export function noSuchDevice(serialNumber: string): IamError {
  // Recorded from AWS (DeactivateMFADevice, DeleteVirtualMFADevice on an unknown serial number).
  return new IamError('NoSuchEntity', `MFA Device with serial number ${serialNumber} does not exist.`);
}

export function invalidAuthenticationCode(): IamError {
  // AWS's text for EnableMFADevice / ResyncMFADevice with codes it does not accept.
  return new IamError('InvalidAuthenticationCode', 'Authentication code for device is not valid.');
}

export function throttledError(): IamError {
  // AWS documents LimitExceeded for EnableMFADevice and ResyncMFADevice (IAM API reference).
  // Not confirmed against AWS: the text is ours; no recorded response of AWS's throttle found.
  return new IamError(
    'LimitExceeded',
    'Too many invalid authentication codes for this MFA device. Wait before trying again.',
  );
}

// ---- whose devices: an IAM user, or the account's root user

export type MfaOwner = { readonly kind: 'user'; readonly user: UserRecord } | { readonly kind: 'root' };

export function ownerArn(account: string, owner: MfaOwner): string {
  return owner.kind === 'root' ? rootArn(account) : iamArn(account, 'user', owner.user.path, owner.user.name);
}

/**
 * Resolves a required UserName (EnableMFADevice, ResyncMFADevice), authorizing the action on the
 * owner's ARN before anything is said about existence. The root user names itself with its
 * account id or "root" (AWS enables root MFA only in its console, whose API takes no UserName);
 * an IAM user of that name, if one exists, takes precedence.
 */
export async function authorizedNamedOwner(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  userName: string,
): Promise<MfaOwner> {
  const { account } = ctx.caller;
  if (ctx.caller.type === 'root' && namesRoot(account, userName)) {
    if (!(await findUser(tx, account, userName))) {
      await check(ctx, tx, action, rootArn(account));
      return { kind: 'root' };
    }
  }
  return { kind: 'user', user: await authorizedUser(ctx, tx, action, userName) };
}

function namesRoot(account: string, userName: string): boolean {
  return userName === account || userName.toLowerCase() === 'root';
}

/** Resolves an optional UserName: omitted means the caller (IAM user or root), as AWS does. */
export async function authorizedOwner(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  input: Input,
): Promise<MfaOwner> {
  const named = str(input, 'UserName');
  if (named !== undefined) return authorizedNamedOwner(ctx, tx, action, named);
  if (ctx.caller.type === 'root') {
    await check(ctx, tx, action, rootArn(ctx.caller.account));
    return { kind: 'root' };
  }
  return { kind: 'user', user: await authorizedUser(ctx, tx, action, requiredTargetUserName(ctx, input)) };
}

/** The id devices and security keys of this owner are filed under: the user's id, or "root". */
export function ownerIdOf(owner: MfaOwner): string {
  return owner.kind === 'root' ? ROOT_OWNER : owner.user.id;
}

/** True when the device is enabled for this owner. */
export function isEnabledFor(device: MfaDeviceRecord, owner: MfaOwner): boolean {
  return device.enabledAt !== undefined && device.ownerId === ownerIdOf(owner);
}

/** True for a FIDO security key's device record (no seed, no codes). */
export function isU2f(device: MfaDeviceRecord): boolean {
  return device.type === 'u2f';
}

/**
 * The devices enabled for an owner that answer six-digit codes (virtual devices), in serial-number
 * order: what a code form may offer. Security keys are in enabledMfaDevicesOf.
 */
export async function enabledDevicesOf(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
): Promise<MfaDeviceRecord[]> {
  return (await enabledMfaDevicesOf(tx, account, owner)).filter((d) => !isU2f(d));
}

/** Every MFA device enabled for an owner, virtual and FIDO, in serial-number order. */
export function enabledMfaDevicesOf(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
): Promise<MfaDeviceRecord[]> {
  // A device has an owner only while it is enabled.
  return tx.list(mfaDevices, { where: { account, owner_id: ownerIdOf(owner) }, orderBy: 'serial_lower' });
}

/** The root user's enabled MFA devices' serial numbers (GetAccountSummary, the credential report). */
export async function rootMfaSerials(tx: StoreTx, account: string): Promise<string[]> {
  return (await enabledMfaDevicesOf(tx, account, { kind: 'root' })).map((d) => d.serialNumber);
}

/** The account's alias, or its id: the "account name" AWS writes into the QR code's label. */
export async function accountDisplayName(tx: StoreTx, account: string): Promise<string> {
  const record = await tx.get(accounts, account);
  return record?.alias ?? account;
}

// ---- throttling repeated wrong codes
//
// After MAX_CONSECUTIVE_FAILURES wrong codes in a row, a device refuses every attempt (without
// looking at the code) for a back-off that starts at one minute and doubles with each further
// failure, up to 15 minutes. Attempts refused during a back-off neither count nor extend it, so
// someone guessing cannot keep the owner locked out for longer than that. An accepted code
// clears the count. This bounds guessing to a handful of tries per quarter hour.

export const MAX_CONSECUTIVE_FAILURES = 5;
const FIRST_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 15 * 60_000;

function backoffMs(count: number): number {
  const doublings = Math.min(count - MAX_CONSECUTIVE_FAILURES, 10);
  return Math.min(FIRST_BACKOFF_MS * 2 ** doublings, MAX_BACKOFF_MS);
}

/** True while the device refuses attempts after repeated wrong codes. */
export function isThrottled(device: MfaDeviceRecord, nowMs: number): boolean {
  const failures = device.failures;
  if (!failures || failures.count < MAX_CONSECUTIVE_FAILURES) return false;
  const lastAt = Date.parse(failures.lastAt);
  if (!Number.isFinite(lastAt)) return false;
  return nowMs < lastAt + backoffMs(failures.count);
}

export function recordFailure(device: MfaDeviceRecord, now: Date): void {
  device.failures = { count: (device.failures?.count ?? 0) + 1, lastAt: now.toISOString() };
}

export function recordSuccess(device: MfaDeviceRecord, step: number): void {
  device.lastUsedStep = step;
  delete device.failures;
}

/** The device's seed, opened from its seal. Never log it or return it after creation. */
export function openSeed(iam: Iam, device: MfaDeviceRecord): string {
  if (device.sealedSeed === undefined || isU2f(device))
    throw new Error(`MFA device ${device.serialNumber} has no seed`);
  return iam.sealer.open(device.sealedSeed, sealContext(device.serialNumber));
}

export function sealContext(serialNumber: string): string {
  return `mfa-seed:${serialNumber}`;
}

// ---- FIDO security keys

export type { SecurityKeyRecord };

/** AWS's rule for MFA device names (and so for the key name inside a u2f serial number). */
export const SECURITY_KEY_NAME = /^[\w+=,.@-]{1,64}$/;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 26 random base32 characters (130 bits), as the suffix AWS appends to a FIDO key's name. */
function randomSuffix(): string {
  const bytes = randomBytes(26);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

/** arn:aws:iam::<account>:u2f/user/<UserName>/<name>-<suffix>, or …:u2f/root/<name>-<suffix>. */
export function u2fSerialNumber(account: string, owner: MfaOwner, deviceName: string): string {
  const where = owner.kind === 'root' ? 'root' : `user/${owner.user.name}`;
  return `arn:aws:iam::${account}:u2f/${where}/${deviceName}`;
}

/** The security keys of an owner (at most MFA_DEVICES_PER_USER). */
export function securityKeysOfOwner(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
): Promise<SecurityKeyRecord[]> {
  return tx.list(securityKeys, { where: { account, owner_id: ownerIdOf(owner) } });
}

/**
 * Registers a verified WebAuthn credential as an MFA device of `owner` (the caller authorizes
 * iam:EnableMFADevice first): the security-key row and its u2f device row, enabled for the
 * owner's id, both in `tx`. Refuses a ninth device (LimitExceeded, as EnableMFADevice)
 * and a credential already registered (EntityAlreadyExists).
 */
export async function addSecurityKey(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
  credential: {
    readonly credentialId: string;
    readonly publicKey: string;
    readonly counter: number;
    readonly transports?: readonly string[];
    readonly name: string;
  },
  now: string,
): Promise<SecurityKeyRecord> {
  if (!SECURITY_KEY_NAME.test(credential.name))
    throw new IamError('ValidationError', 'The security key name is not valid.');
  const keys = await securityKeysOfOwner(tx, account, owner);
  const devices = await enabledMfaDevicesOf(tx, account, owner);
  // Keys registered before they had device records still count toward the quota.
  const unlisted = keys.filter((k) => k.serialNumber === undefined).length;
  if (devices.length + unlisted >= MFA_DEVICES_PER_USER) {
    throw new IamError('LimitExceeded', `Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`);
  }
  if (
    keys.some((k) => k.id === credential.credentialId) ||
    (await tx.get(securityKeys, credential.credentialId))
  )
    throw new IamError('EntityAlreadyExists', 'MFA Device is already in use.');
  const deviceName = `${credential.name}-${randomSuffix()}`;
  const serialNumber = u2fSerialNumber(account, owner, deviceName);
  if (await findDevice(tx, account, serialNumber))
    throw new IamError('EntityAlreadyExists', 'MFA Device is already in use.');
  const record: SecurityKeyRecord = {
    id: credential.credentialId,
    account,
    ownerId: ownerIdOf(owner),
    publicKey: credential.publicKey,
    counter: credential.counter,
    ...(credential.transports ? { transports: [...credential.transports] } : {}),
    name: credential.name,
    createdAt: now,
    serialNumber,
  };
  const device: MfaDeviceRecord = {
    id: newDeviceId(),
    account,
    serialNumber,
    name: deviceName,
    path: owner.kind === 'root' ? '/root/' : `/user/${owner.user.name}/`,
    createdAt: now,
    type: 'u2f',
    enabledAt: now,
    ownerId: ownerIdOf(owner),
    tags: [],
  };
  await tx.insert(securityKeys, record);
  await tx.insert(mfaDevices, device);
  return record;
}

/**
 * Removes a security key of `owner` and its MFA device, whichever way it is named: by the key's
 * record (the console) or by the device's serial number (DeactivateMFADevice). The caller
 * authorizes iam:DeactivateMFADevice first. Returns false when the owner has no such key.
 */
export async function removeSecurityKey(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
  which: { readonly credentialId: string } | { readonly serialNumber: string },
): Promise<boolean> {
  const keys = await securityKeysOfOwner(tx, account, owner);
  const found =
    'credentialId' in which
      ? keys.find((k) => k.id === which.credentialId)
      : keys.find((k) => k.serialNumber?.toLowerCase() === which.serialNumber.toLowerCase());
  const serialNumber = 'serialNumber' in which ? which.serialNumber : found?.serialNumber;
  const device = serialNumber !== undefined ? await findDevice(tx, account, serialNumber) : undefined;
  const ownDevice = device !== undefined && isU2f(device) && isEnabledFor(device, owner) ? device : undefined;
  if (!found && !ownDevice) return false;
  if (found) await tx.delete(securityKeys, found.id);
  if (ownDevice) await tx.delete(mfaDevices, ownDevice.id);
  return true;
}
