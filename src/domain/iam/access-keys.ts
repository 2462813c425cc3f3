// Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
// GetAccessKeyLastUsed.
//
// A key is a row keyed by its id naming its owner's user id (none for the root user's keys), so
// an owner's keys are one indexed query and a renamed user keeps them. The secret is returned
// once, by CreateAccessKey, and otherwise kept only sealed under the master key with the context
// "access-key:<id>" (authenticate.ts opens it there).
//
// AWS's rules (IAM API reference; IAM quotas; recorded responses in LocalStack's snapshots):
// - UserName may be omitted: the caller's own keys; the root user omitting it means root's keys.
// - At most 2 keys per user (inactive keys count): LimitExceeded
//   "Cannot exceed quota for AccessKeysPerUser: 2".
// - A key that is not the named user's is NoSuchEntity "The Access Key with id <id> cannot be found."
// - GetAccessKeyLastUsed on a key outside the account answers AccessDenied
//   "User: <caller> is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key <id>"
//   (recorded from AWS), and ServiceName/Region are "N/A" until the key is used.
// - The resource for authorization is the owning user's ARN (service authorization reference:
//   resource type "user"); for root's keys, the account's root ARN.
import { newAccessKeyId, newSecretAccessKey } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { rootArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { AccessKeyRecord, UserRecord } from '../records.ts';
import { accessKeys, lastUsed, users } from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  isoNow,
  pageOutput,
  positionalPage,
  requiredStr,
  str,
  writeTx,
} from '../operation.ts';
import { authorizedUser, requiredTargetUserName } from './users.ts';
import { flushKeyUses } from '../key-uses.ts';

/**
 * Access keys per user, inactive ones included. AWS's text when it is reached, "Cannot exceed
 * quota for AccessKeysPerUser: 2", as recorded in https://github.com/simonw/s3-credentials/issues/64
 */
export const ACCESS_KEYS_PER_USER = 2;

/** Whose keys an operation is about: an IAM user, or the account's root user. */
export type KeyOwner = { readonly kind: 'user'; readonly user: UserRecord } | { readonly kind: 'root' };

/**
 * Resolves UserName (or the caller when omitted), authorizing the action on the owner's ARN first.
 * Only IAM users and root have keys of their own; any other caller must name a user, as AWS says.
 */
async function authorizedOwner(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  input: Input,
): Promise<KeyOwner> {
  const named = str(input, 'UserName');
  if (named !== undefined) return { kind: 'user', user: await authorizedUser(ctx, tx, action, named) };
  if (ctx.caller.type === 'root') {
    await check(ctx, tx, action, rootArn(ctx.caller.account));
    return { kind: 'root' };
  }
  return { kind: 'user', user: await authorizedUser(ctx, tx, action, requiredTargetUserName(ctx, input)) };
}

/** An owner's keys, oldest first: an IAM user's (by id), or the root user's (user id null). */
export function keysOf(tx: StoreTx, account: string, owner: KeyOwner): Promise<AccessKeyRecord[]> {
  return tx.list(accessKeys, {
    where: { account, user_id: owner.kind === 'root' ? null : owner.user.id },
    orderBy: 'position',
  });
}

/** The root user's keys in the account, oldest first. */
export function rootAccessKeys(tx: StoreTx, account: string): Promise<AccessKeyRecord[]> {
  return keysOf(tx, account, { kind: 'root' });
}

function noSuchAccessKey(id: string): IamError {
  return new IamError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
}

/** The owner's key with this id, or NoSuchEntity. */
async function ownedKey(tx: StoreTx, account: string, owner: KeyOwner, id: string): Promise<AccessKeyRecord> {
  const record = await tx.get(accessKeys, id);
  const owned =
    record !== undefined &&
    record.account === account &&
    (owner.kind === 'root' ? record.userId === undefined : record.userId === owner.user.id);
  if (!owned) throw noSuchAccessKey(id);
  return record;
}

function ownerName(owner: KeyOwner): string | undefined {
  return owner.kind === 'user' ? owner.user.name : undefined;
}

function metadataOutput(record: AccessKeyRecord, userName: string | undefined): Record<string, unknown> {
  return {
    ...(userName !== undefined ? { UserName: userName } : {}),
    AccessKeyId: record.id,
    Status: record.status,
    CreateDate: record.createdAt,
  };
}

export const accessKeysOperations: Record<string, Operation> = {
  async CreateAccessKey(ctx, input) {
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:CreateAccessKey', input);
      const existing = await keysOf(tx, account, owner);
      if (existing.length >= ACCESS_KEYS_PER_USER) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`,
        );
      }
      let id = newAccessKeyId('long-term');
      while (await tx.get(accessKeys, id)) id = newAccessKeyId('long-term');
      const secret = newSecretAccessKey();
      const record: AccessKeyRecord = {
        account,
        id,
        ...(owner.kind === 'user' ? { userId: owner.user.id } : {}),
        sealedSecret: ctx.iam.sealer.seal(secret, `access-key:${id}`),
        status: 'Active',
        createdAt: isoNow(ctx),
        position: (existing[existing.length - 1]?.position ?? 0) + 1,
      };
      await tx.insert(accessKeys, record);
      const userName = ownerName(owner);
      return {
        AccessKey: {
          ...(userName !== undefined ? { UserName: userName } : {}),
          AccessKeyId: id,
          Status: record.status,
          SecretAccessKey: secret,
          CreateDate: record.createdAt,
        },
      };
    });
  },

  async ListAccessKeys(ctx, input) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:ListAccessKeys', input);
      const keys = await keysOf(tx, account, owner);
      return pageOutput(
        'AccessKeyMetadata',
        positionalPage(keys, (k) => k.id, input),
        (k) => metadataOutput(k, ownerName(owner)),
      );
    });
  },

  async UpdateAccessKey(ctx, input) {
    const id = requiredStr(input, 'AccessKeyId');
    const status = requiredStr(input, 'Status');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:UpdateAccessKey', input);
      const record = await ownedKey(tx, account, owner, id);
      if (status !== 'Active' && status !== 'Inactive') {
        throw new IamError('InvalidInput', `Invalid status ${status}. Status must be Active or Inactive.`);
      }
      record.status = status;
      await tx.update(accessKeys, record);
      return undefined;
    });
  },

  async DeleteAccessKey(ctx, input) {
    const id = requiredStr(input, 'AccessKeyId');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'iam:DeleteAccessKey', input);
      await ownedKey(tx, account, owner, id);
      await tx.delete(accessKeys, id);
      await tx.delete(lastUsed, id);
      return undefined;
    });
  },

  async GetAccessKeyLastUsed(ctx, input) {
    const id = requiredStr(input, 'AccessKeyId');
    const { account } = ctx.caller;
    await flushKeyUses(ctx.iam);
    return ctx.iam.store.read(async (tx) => {
      const record = await tx.get(accessKeys, id);
      if (!record || record.account !== account) {
        // AWS does not say whether a key exists outside the caller's account.
        throw new IamError(
          'AccessDenied',
          `User: ${ctx.caller.arn} is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key ${id}`,
        );
      }
      const owner = record.userId === undefined ? undefined : await tx.get(users, record.userId);
      if (owner === undefined) {
        await check(ctx, tx, 'iam:GetAccessKeyLastUsed', rootArn(account));
      } else {
        await authorizedUser(ctx, tx, 'iam:GetAccessKeyLastUsed', owner.name);
      }
      const last = await tx.get(lastUsed, id);
      return {
        ...(owner !== undefined ? { UserName: owner.name } : {}),
        AccessKeyLastUsed: last
          ? { LastUsedDate: last.date, ServiceName: last.service ?? 'N/A', Region: last.region ?? 'N/A' }
          : { ServiceName: 'N/A', Region: 'N/A' },
      };
    });
  },
};
