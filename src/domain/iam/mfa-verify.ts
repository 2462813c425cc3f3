// One MFA code checked for a sign-in or a session (GetSessionToken, AssumeRole with SerialNumber
// and TokenCode, console sign-in): the one path every caller shares.
//
// Security properties:
// - the device must be enabled for exactly that principal, by id (an IAM user's unique id, or
//   "root"); any other device answers 'unknown-device' without looking at the code, and so does
//   a FIDO security key's device (type 'u2f': it has no seed and answers no codes);
// - the code is checked with RFC 6238 (SHA-1, 6 digits, 30 s) within ±1 step of the server's
//   clock, in constant time, and only steps later than the last accepted one count, so a code is
//   never accepted twice (replay protection), nor one older than a code already used;
// - wrong codes are counted per device; after MAX_CONSECUTIVE_FAILURES in a row the device is
//   throttled (see mfa-common.ts) and answers 'throttled' without looking at the code;
// - the seed is opened only here and in Enable/Resync, and never leaves this function.
import type { Iam } from '../iam.ts';
import type { StoreTx } from '../store.ts';
import type { MfaDeviceRecord } from '../records.ts';
import { verifyTotp } from '../../crypto/totp.ts';
import {
  findDevice,
  isThrottled,
  isU2f,
  openSeed,
  recordFailure,
  recordSuccess,
  saveDevice,
} from './mfa-common.ts';

export type MfaVerification =
  { ok: true } | { ok: false; reason: 'unknown-device' | 'invalid-code' | 'throttled' };

/**
 * Checks `code` against the device `serialNumber`, which must be enabled for `ownerId` (an IAM
 * user's unique id, or "root" for the account's root user): a device of a deleted user is never
 * one of a re-created user of the same name. Records the accepted step, or counts the failure,
 * through `tx`.
 *
 * The caller must let `tx` commit even when the answer is not ok — a failure count written in a
 * transaction that is then rolled back (by throwing inside `store.write`) is lost, and with it the
 * throttle. Return the outcome from the transaction and throw after it, or use `checkMfaCode`,
 * which runs its own transaction.
 */
export async function verifyMfaCode(
  iam: Iam,
  tx: StoreTx,
  account: string,
  serialNumber: string,
  ownerId: string,
  code: string,
): Promise<MfaVerification> {
  const device = await findDevice(tx, account, serialNumber);
  if (!device || isU2f(device) || !enabledFor(device, ownerId)) {
    return { ok: false, reason: 'unknown-device' };
  }
  const now = iam.now();
  if (isThrottled(device, now.getTime())) return { ok: false, reason: 'throttled' };
  const result = verifyTotp({
    secret: openSeed(iam, device),
    code,
    atMs: now.getTime(),
    window: 1,
    ...(device.lastUsedStep !== undefined ? { lastUsedStep: device.lastUsedStep } : {}),
  });
  if (result.ok) recordSuccess(device, result.step);
  else recordFailure(device, now);
  await saveDevice(tx, device);
  return result.ok ? { ok: true } : { ok: false, reason: 'invalid-code' };
}

/** verifyMfaCode in a write transaction of its own, committed whatever the answer. */
export function checkMfaCode(
  iam: Iam,
  account: string,
  serialNumber: string,
  ownerId: string,
  code: string,
): Promise<MfaVerification> {
  return iam.store.write((tx) => verifyMfaCode(iam, tx, account, serialNumber, ownerId, code), { account });
}

function enabledFor(device: MfaDeviceRecord, ownerId: string): boolean {
  return device.enabledAt !== undefined && device.ownerId === ownerId;
}
