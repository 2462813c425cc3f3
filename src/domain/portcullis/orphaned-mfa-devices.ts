// The orphaned-enrolment janitor (MfaOptions.orphanedDeviceHours): virtual MFA devices that nobody
// enabled — an enrolment abandoned between CreateVirtualMFADevice and EnableMFADevice — are
// deleted once older than the account's number of hours.
//
// Why: AWS's own console names a user's virtual device after the user, so an abandoned enrolment
// leaves a device of that name behind; the user's next try then fails with EntityAlreadyExists
// ("MFA device already exists."), and a policy that lets users manage only their own MFA (AWS's
// "Allows MFA-authenticated IAM users to manage their own MFA device" example) denies
// DeleteVirtualMFADevice on it without MFA, so the user cannot clear it either. See "Enabling a
// virtual MFA device" and "IAM: Allows IAM users to self-manage an MFA device" in the IAM User
// Guide.
//
// Where it runs: CreateVirtualMFADevice replaces an expired orphan of the same name in its own
// transaction (the trap itself, answered at the moment it would spring), and sweepOrphanedMfaDevices
// deletes the rest, run periodically by every node (app.ts). Deleting is idempotent: a device
// another node deleted first, or enabled meanwhile, is a conflict the store retries, and the retry
// finds it gone or assigned and leaves it. A device's age counts from when it was last left
// unassigned: its creation, or its deactivation (DeactivateMFADevice leaves a virtual device
// unassigned, and its owner, who still holds the seed, may enable it again) — so a device
// deactivated a minute ago is not swept for being old. Each deletion is an audit event of its own
// (sweptDeviceEvent), made by the service rather than by a principal, as CloudTrail records what
// an AWS service does on its own (userIdentity type AWSService, with invokedBy: "CloudTrail
// userIdentity element", AWS CloudTrail User Guide).
import type { AuditCall } from '../audit/events.ts';
import type { Iam } from '../iam.ts';
import type { Operation } from '../operation.ts';
import { check, listPage, pageOutput } from '../operation.ts';
import type { AccountRecord, MfaDeviceRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { accounts, mfaDevices } from '../tables.ts';
import { accountMfaOptions, mfaOptionsOf } from './mfa-options.ts';

const HOUR = 60 * 60_000;
const ACCOUNT_BATCH = 100;
/** Deletions per transaction, so that a sweep never holds an account's writers for long. */
const DELETE_BATCH = 200;

/** When an unassigned device expires, for an account that keeps orphans `hours` hours. */
export function orphanExpiresAt(device: MfaDeviceRecord, hours: number): number {
  return Date.parse(device.unassignedAt ?? device.createdAt) + hours * HOUR;
}

/** Whether the device is an orphan past the account's hours (never, when the option is off). */
export function isExpiredOrphan(device: MfaDeviceRecord, hours: number | undefined, now: Date): boolean {
  return (
    hours !== undefined &&
    device.type !== 'u2f' &&
    device.enabledAt === undefined &&
    orphanExpiresAt(device, hours) <= now.getTime()
  );
}

export const orphanedDeviceOperations: Record<string, Operation> = {
  /**
   * The account's unassigned virtual MFA devices, by serial number, with their age (whole hours)
   * and, when the janitor is on, when each expires: OrphanedMFADevices, OrphanedDeviceHours.
   */
  async ListOrphanedMFADevices(ctx, input) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'portcullis:ListOrphanedMFADevices', '*');
      const hours = (await accountMfaOptions(tx, account)).orphanedDeviceHours;
      const page = await listPage(tx, mfaDevices, input, {
        where: { account, status: 'unassigned' },
        orderBy: 'serial_lower',
      });
      const now = ctx.iam.now().getTime();
      return {
        ...pageOutput('OrphanedMFADevices', page, (device) => ({
          SerialNumber: device.serialNumber,
          CreateDate: device.createdAt,
          AgeHours: Math.floor((now - Date.parse(device.createdAt)) / HOUR),
          ...(hours !== undefined
            ? { ExpiresAt: new Date(orphanExpiresAt(device, hours)).toISOString().replace(/\.\d{3}Z$/, 'Z') }
            : {}),
        })),
        ...(hours !== undefined ? { OrphanedDeviceHours: hours } : {}),
      };
    });
  },
};

/** A device the sweep deleted. */
export interface SweptDevice {
  readonly account: string;
  readonly serialNumber: string;
  readonly time: Date;
}

/**
 * Deletes expired orphans in every account that turned the janitor on; answers which. Accounts
 * are read a batch at a time; each account's deletions are transactions of their own.
 */
export async function sweepOrphanedMfaDevices(iam: Iam): Promise<SweptDevice[]> {
  const swept: SweptDevice[] = [];
  let after: string | undefined;
  for (;;) {
    const batch: AccountRecord[] = await iam.store.read((tx) =>
      tx.list(accounts, { orderBy: 'account', limit: ACCOUNT_BATCH, ...(after ? { after } : {}) }),
    );
    for (const account of batch) {
      const hours = mfaOptionsOf(account).orphanedDeviceHours;
      if (hours !== undefined) swept.push(...(await sweepAccount(iam, account.id, hours)));
    }
    if (batch.length < ACCOUNT_BATCH) return swept;
    after = batch[batch.length - 1]!.id;
  }
}

/** The audit event of a device the sweep deleted: the service acting on its own, no caller. */
export function sweptDeviceEvent(device: SweptDevice): AuditCall {
  return {
    service: 'portcullis',
    eventName: 'DeleteOrphanedMFADevice',
    time: device.time,
    region: 'us-east-1',
    sourceIp: 'portcullis.local',
    userAgent: 'portcullis.local',
    requestId: undefined,
    account: device.account,
    identity: { type: 'AWSService', invokedBy: 'portcullis.local' },
    input: { SerialNumber: device.serialNumber },
    output: {},
  };
}

async function sweepAccount(iam: Iam, account: string, hours: number): Promise<SweptDevice[]> {
  const swept: SweptDevice[] = [];
  for (;;) {
    const deleted = await iam.store.write(
      async (tx) => {
        // Made afresh on each attempt: a retried transaction deletes what it finds then.
        const now = iam.now();
        const deleted: SweptDevice[] = [];
        for (const device of await expiredOrphans(tx, account, hours, now)) {
          if (deleted.length === DELETE_BATCH) break;
          if (await tx.delete(mfaDevices, device.id)) {
            deleted.push({ account, serialNumber: device.serialNumber, time: now });
          }
        }
        return deleted;
      },
      { account },
    );
    swept.push(...deleted);
    if (deleted.length < DELETE_BATCH) return swept;
  }
}

async function expiredOrphans(
  tx: StoreTx,
  account: string,
  hours: number,
  now: Date,
): Promise<MfaDeviceRecord[]> {
  // The unassigned devices by index; their age is in the record (at most the account's quota).
  const unassigned = await tx.list(mfaDevices, { where: { account, status: 'unassigned' } });
  return unassigned.filter((device) => isExpiredOrphan(device, hours, now));
}
