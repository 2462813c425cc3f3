// Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
// DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices,
// GetMFADevice, TagMFADevice, UntagMFADevice, ListMFADeviceTags.
//
// AWS's rules (IAM API reference; IAM quotas; the service authorization reference; recorded
// responses in LocalStack's snapshots):
// - Authorization: CreateVirtualMFADevice, DeleteVirtualMFADevice and the tag actions on the
//   device's ARN (resource type "mfa", with aws:RequestTag/aws:TagKeys/aws:ResourceTag);
//   EnableMFADevice, ResyncMFADevice, DeactivateMFADevice, ListMFADevices and GetMFADevice on the
//   user's ARN (resource type "user"); ListVirtualMFADevices on "*" (no resource type).
// - CreateVirtualMFADevice returns the seed (Base32StringSeed) and a QR code PNG once; both are
//   blobs, base64 on the wire. A device of the same path and name: EntityAlreadyExists
//   "MFA device already exists." (recorded). Devices per account: the user quota (5000).
// - EnableMFADevice takes two consecutive codes; otherwise InvalidAuthenticationCode (403)
//   "Authentication code for device is not valid."; a device enabled for anyone:
//   EntityAlreadyExists "MFA Device is already in use." (recorded); up to 8 devices per identity
//   (LimitExceeded).
// - DeactivateMFADevice leaves the virtual device in place, unassigned; DeleteVirtualMFADevice
//   refuses an assigned device (DeleteConflict). An unknown serial number is NoSuchEntity
//   "MFA Device with serial number <serial> does not exist." (recorded).
// - ListVirtualMFADevices: AssignmentStatus Assigned | Unassigned | Any (default Any), no tags in
//   the list; the root user's device names the root ARN as its User.
// - FIDO security keys (registered in the console; type "u2f", see mfa-common.ts) are MFA devices:
//   ListMFADevices and GetMFADevice show them with the virtual ones (GetMFADevice without
//   Certifications: no FIDO metadata service is consulted), DeactivateMFADevice removes one for
//   good (a key has no unassigned state). The virtual-only operations treat a u2f serial as no
//   virtual device: ListVirtualMFADevices skips them; DeleteVirtualMFADevice and the tag
//   operations answer NoSuchEntity. EnableMFADevice answers EntityAlreadyExists (a key is
//   enabled from its registration) and ResyncMFADevice InvalidAuthenticationCode (a key makes no
//   codes), neither counting a failure.
import { IamError } from '../errors.ts';
import type { ContextValue } from '../../policy/index.ts';
import { iamArn, rootArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import { ROOT_OWNER, type MfaDeviceRecord } from '../records.ts';
import { accounts, mfaDevices, users } from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  isoNow,
  listPage,
  pageOf,
  pageOutput,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  tagsOf,
  tagOperations,
  writeTx,
} from '../operation.ts';
import { newTotpSecret, verifyConsecutiveTotp } from '../../crypto/totp.ts';
import { userOutput } from './users.ts';
import { accountMfaOptions } from '../portcullis/mfa-options.ts';
import { isExpiredOrphan } from '../portcullis/orphaned-mfa-devices.ts';
import {
  MFA_DEVICES_PER_USER,
  VIRTUAL_MFA_DEVICES_PER_ACCOUNT,
  type MfaOwner,
  accountDisplayName,
  authorizedNamedOwner,
  authorizedOwner,
  deviceArnFor,
  enabledMfaDevicesOf,
  findDevice,
  invalidAuthenticationCode,
  isEnabledFor,
  isThrottled,
  isU2f,
  newDeviceId,
  noSuchDevice,
  openSeed,
  ownerIdOf,
  recordFailure,
  recordSuccess,
  removeSecurityKey,
  saveDevice,
  sealContext,
  throttledError,
} from './mfa-common.ts';
import { forgetRecoveryCodesWithoutMfa } from '../portcullis/recovery-codes.ts';
import { qrCodePng, virtualMfaUri } from './mfa-qr.ts';

/** Enable: code2's step within ±2 steps (±60 s) of the server's clock, as totp.ts defaults. */
const ENABLE_WINDOW = 2;
/** Resync re-aligns a device that drifted: its codes may lie up to ±10 steps (±5 min) away. */
const RESYNC_WINDOW = 10;

/**
 * The virtual device for a device action, authorized on its ARN (with its tags) before
 * NoSuchEntity. A FIDO key's device is no virtual device: NoSuchEntity.
 */
async function authorizedDevice(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  serialNumber: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<MfaDeviceRecord> {
  const { account } = ctx.caller;
  const device = await findDevice(tx, account, serialNumber);
  await check(ctx, tx, action, deviceArnFor(account, serialNumber, device), {
    ...resourceTagContext(device?.tags),
    ...context,
  });
  if (!device || isU2f(device)) throw noSuchDevice(serialNumber);
  return device;
}

function mfaDeviceOutput(device: MfaDeviceRecord, ownerName: string | undefined): Record<string, unknown> {
  return {
    ...(ownerName !== undefined ? { UserName: ownerName } : {}),
    SerialNumber: device.serialNumber,
    EnableDate: device.enabledAt,
  };
}

function ownerName(owner: MfaOwner): string | undefined {
  return owner.kind === 'user' ? owner.user.name : undefined;
}

/** The outcome of a code check, carried out of the transaction so a failure count is committed. */
type CodeOutcome = { ok: true } | { ok: false; error: IamError };

async function checkConsecutiveCodes(
  ctx: OperationContext,
  device: MfaDeviceRecord,
  input: Input,
  window: number,
): Promise<CodeOutcome> {
  const now = ctx.iam.now();
  if (isThrottled(device, now.getTime())) return { ok: false, error: throttledError() };
  const result = verifyConsecutiveTotp({
    secret: openSeed(ctx.iam, device),
    code1: requiredStr(input, 'AuthenticationCode1'),
    code2: requiredStr(input, 'AuthenticationCode2'),
    atMs: now.getTime(),
    window,
    ...(device.lastUsedStep !== undefined ? { lastUsedStep: device.lastUsedStep } : {}),
  });
  if (!result.ok) {
    recordFailure(device, now);
    return { ok: false, error: invalidAuthenticationCode() };
  }
  recordSuccess(device, result.step);
  return { ok: true };
}

function settle(outcome: CodeOutcome): undefined {
  if (!outcome.ok) throw outcome.error;
  return undefined;
}

export const mfaDevicesOperations: Record<string, Operation> = {
  ...tagOperations<MfaDeviceRecord>({
    noun: 'MFADevice',
    load: (ctx, tx, action, input, context) =>
      authorizedDevice(ctx, tx, action, requiredStr(input, 'SerialNumber'), context),
    table: mfaDevices,
  }),
  async CreateVirtualMFADevice(ctx, input) {
    const name = requiredStr(input, 'VirtualMFADeviceName');
    const path = str(input, 'Path') ?? '/';
    const tags = tagsOf(input);
    const { account } = ctx.caller;
    const serialNumber = iamArn(account, 'mfa', path, name);
    const seed = newTotpSecret();
    const created = await writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreateVirtualMFADevice', serialNumber, requestTagContext(tags));
      const existing = await findDevice(tx, account, serialNumber);
      if (existing) {
        // An abandoned enrolment's device past the account's janitor hours gives way
        // (portcullis/orphaned-mfa-devices.ts); anything else is AWS's conflict.
        const { orphanedDeviceHours } = await accountMfaOptions(tx, account);
        if (!isExpiredOrphan(existing, orphanedDeviceHours, ctx.iam.now()))
          throw new IamError('EntityAlreadyExists', 'MFA device already exists.');
        await tx.delete(mfaDevices, existing.id);
      }
      if ((await virtualDeviceCount(tx, account)) >= VIRTUAL_MFA_DEVICES_PER_ACCOUNT) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for VirtualMFADevicesPerAccount: ${VIRTUAL_MFA_DEVICES_PER_ACCOUNT}`,
        );
      }
      const device: MfaDeviceRecord = {
        id: newDeviceId(),
        account,
        serialNumber,
        name,
        path,
        createdAt: isoNow(ctx),
        sealedSeed: ctx.iam.sealer.seal(seed, sealContext(serialNumber)),
        tags,
      };
      await tx.insert(mfaDevices, device);
      return { device, accountName: await accountDisplayName(tx, account) };
    });
    // The PNG is drawn after the commit, so the store is not held while it is drawn.
    const png = await qrCodePng(virtualMfaUri(name, created.accountName, seed));
    return {
      VirtualMFADevice: {
        SerialNumber: serialNumber,
        Base32StringSeed: seed,
        QRCodePNG: png,
        ...(tags.length > 0 ? { Tags: tags } : {}),
      },
    };
  },

  async EnableMFADevice(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    const serialNumber = requiredStr(input, 'SerialNumber');
    const { account } = ctx.caller;
    const outcome = await writeTx(ctx, async (tx): Promise<CodeOutcome> => {
      const owner = await authorizedNamedOwner(ctx, tx, 'iam:EnableMFADevice', userName);
      const device = await findDevice(tx, account, serialNumber);
      if (!device) throw noSuchDevice(serialNumber);
      if (device.enabledAt !== undefined || isU2f(device))
        throw new IamError('EntityAlreadyExists', 'MFA Device is already in use.');
      const enabled = await enabledMfaDevicesOf(tx, account, owner);
      if (enabled.length >= MFA_DEVICES_PER_USER) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`,
        );
      }
      const outcome = await checkConsecutiveCodes(ctx, device, input, ENABLE_WINDOW);
      if (outcome.ok) {
        device.enabledAt = isoNow(ctx);
        device.ownerId = ownerIdOf(owner);
      }
      await saveDevice(tx, device);
      return outcome;
    });
    return settle(outcome);
  },

  async ResyncMFADevice(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    const serialNumber = requiredStr(input, 'SerialNumber');
    const { account } = ctx.caller;
    const outcome = await writeTx(ctx, async (tx): Promise<CodeOutcome> => {
      const owner = await authorizedNamedOwner(ctx, tx, 'iam:ResyncMFADevice', userName);
      const device = await findDevice(tx, account, serialNumber);
      if (!device || !isEnabledFor(device, owner)) throw noSuchDevice(serialNumber);
      if (isU2f(device)) throw invalidAuthenticationCode();
      const outcome = await checkConsecutiveCodes(ctx, device, input, RESYNC_WINDOW);
      await saveDevice(tx, device);
      return outcome;
    });
    return settle(outcome);
  },

  async DeactivateMFADevice(ctx, input) {
    const serialNumber = requiredStr(input, 'SerialNumber');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:DeactivateMFADevice', input);
      const device = await findDevice(tx, account, serialNumber);
      if (!device || !isEnabledFor(device, owner)) throw noSuchDevice(serialNumber);
      if (isU2f(device)) {
        await removeSecurityKey(tx, account, owner, { serialNumber: device.serialNumber });
      } else {
        delete device.enabledAt;
        delete device.ownerId;
        device.unassignedAt = isoNow(ctx);
        await saveDevice(tx, device);
      }
      await forgetRecoveryCodesWithoutMfa(tx, account, owner);
      return undefined;
    });
  },

  async DeleteVirtualMFADevice(ctx, input) {
    const serialNumber = requiredStr(input, 'SerialNumber');
    return writeTx(ctx, async (tx) => {
      const device = await authorizedDevice(ctx, tx, 'iam:DeleteVirtualMFADevice', serialNumber);
      if (device.enabledAt !== undefined) {
        throw new IamError('DeleteConflict', 'Cannot delete entity, must deactivate MFA device first.');
      }
      await tx.delete(mfaDevices, device.id);
      return undefined;
    });
  },

  async ListMFADevices(ctx, input) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:ListMFADevices', input);
      const devices = await enabledMfaDevicesOf(tx, account, owner);
      return pageOutput(
        'MFADevices',
        pageOf(devices, (d) => d.serialNumber.toLowerCase(), input),
        (d) => mfaDeviceOutput(d, ownerName(owner)),
      );
    });
  },

  async GetMFADevice(ctx, input) {
    const serialNumber = requiredStr(input, 'SerialNumber');
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:GetMFADevice', input);
      const device = await findDevice(tx, account, serialNumber);
      if (!device || !isEnabledFor(device, owner)) throw noSuchDevice(serialNumber);
      return mfaDeviceOutput(device, ownerName(owner));
    });
  },

  async ListVirtualMFADevices(ctx, input) {
    const status = str(input, 'AssignmentStatus') ?? 'Any';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListVirtualMFADevices', '*');
      const statuses =
        status === 'Assigned' ? ['assigned'] : status === 'Unassigned' ? ['unassigned'] : VIRTUAL_STATUSES;
      const page = await listPage(tx, mfaDevices, input, {
        where: { account, status: { in: statuses } },
        orderBy: 'serial_lower',
      });
      const owners = await tx.getMany(
        users,
        page.items.flatMap((d) => (d.ownerId && d.ownerId !== ROOT_OWNER ? [d.ownerId] : [])),
      );
      const ownerOf = new Map(owners.map((u) => [u.id, userOutput(u, false)]));
      const rootUser = await rootUserOutput(tx, account);
      return pageOutput('VirtualMFADevices', page, (device) =>
        virtualDeviceOutput(
          device,
          device.ownerId === ROOT_OWNER ? rootUser : ownerOf.get(device.ownerId ?? ''),
        ),
      );
    });
  },
};

/** The mfa_devices status of virtual devices (the others are FIDO keys, "u2f"). */
const VIRTUAL_STATUSES = ['assigned', 'unassigned'];

/** The account's virtual devices (u2f devices, at most 8 per identity, are not counted). */
function virtualDeviceCount(tx: StoreTx, account: string): Promise<number> {
  return tx.count(mfaDevices, { account, status: { in: VIRTUAL_STATUSES } });
}

/** The root user as ListVirtualMFADevices shows it for root's own device (as GetUser does). */
async function rootUserOutput(tx: StoreTx, account: string): Promise<Record<string, unknown>> {
  const record = await tx.get(accounts, account);
  return {
    UserId: account,
    Arn: rootArn(account),
    ...(record?.createdAt ? { CreateDate: record.createdAt } : {}),
    ...(record?.rootPasswordLastUsed ? { PasswordLastUsed: record.rootPasswordLastUsed } : {}),
  };
}

function virtualDeviceOutput(
  device: MfaDeviceRecord,
  user: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (device.enabledAt === undefined || user === undefined) return { SerialNumber: device.serialNumber };
  return { SerialNumber: device.serialNumber, User: user, EnableDate: device.enabledAt };
}
