// Recovery codes against a real (in-memory SQLite) store: generated for the caller only, stored as
// keyed hashes, each usable once, gone with the last MFA device and with the account's switch.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Iam } from '../iam.ts';
import type { Caller } from '../caller.ts';
import { IamError } from '../errors.ts';
import { ROOT_OWNER, type MfaDeviceRecord, type UserRecord } from '../records.ts';
import type { Input, OperationContext } from '../operation.ts';
import { accounts, mfaDevices, users } from '../tables.ts';
import { ROOT_PRINCIPAL, type Principal } from '../console-sessions.ts';
import { iamOperations } from '../iam/index.ts';
import { recoveryCodeOperations, recoveryCodesRemaining, useRecoveryCode } from './recovery-codes.ts';
import { rootCaller, testAccount, testIam, userCaller } from '../../../test/support/domain.ts';

const ACCOUNT = '123456789012';
const NOW = '2026-11-23T12:00:00Z';
const ALLOW_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
const ONLY_IAM = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
});

let iam: Iam;
let clock: number;

const root = rootCaller(ACCOUNT);

function principalOf(user: UserRecord): Principal {
  return { kind: 'user', id: user.id, userName: user.name };
}

function user(name: string, policy = ALLOW_ALL): UserRecord {
  return {
    account: ACCOUNT,
    id: `AIDA${name.toUpperCase()}`,
    name,
    path: '/',
    createdAt: NOW,
    tags: [],
    inlinePolicies: { policy },
  };
}

function device(name: string, ownerId: string): MfaDeviceRecord {
  return {
    id: `device-${name}`,
    account: ACCOUNT,
    serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${name}`,
    name,
    path: '/',
    createdAt: NOW,
    type: 'virtual',
    sealedSeed: 'unused',
    ownerId,
    enabledAt: NOW,
    tags: [],
  };
}

async function setOption(on: boolean): Promise<void> {
  await iam.store.write(async (tx) => {
    const account = (await tx.get(accounts, ACCOUNT))!;
    await tx.update(accounts, { ...account, mfaOptions: { recoveryCodes: on } });
  });
}

function call(caller: Caller, name: string, input: Input = {}) {
  const ctx: OperationContext = { iam, caller };
  return recoveryCodeOperations[name]!(ctx, input) as Promise<Record<string, unknown>>;
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof IamError && error.code === code);
}

beforeEach(async () => {
  clock = Date.parse(NOW);
  iam = testIam({ now: () => new Date(clock) });
  await iam.store.write(async (tx) => {
    await tx.put(accounts, testAccount(ACCOUNT, { createdAt: NOW }));
    await tx.put(users, user('alice'));
    await tx.put(users, user('bob', ONLY_IAM));
    await tx.put(mfaDevices, device('alice', 'AIDAALICE'));
    await tx.put(mfaDevices, device('bob', 'AIDABOB'));
    await tx.put(mfaDevices, device('root', ROOT_OWNER));
  });
});

test('with the option off there are no codes to generate or use', async () => {
  const alice = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!;
  await refused(call(userCaller(alice), 'GenerateRecoveryCodes'), 'ValidationError');
  const status = await call(userCaller(alice), 'GetRecoveryCodeStatus');
  assert.deepEqual(status, { Enabled: false, RemainingCodes: 0 });
  assert.equal(await recoveryCodesRemaining(iam, ACCOUNT, principalOf(alice)), 0);
});

test('ten codes, stored as keyed hashes, each usable once', async () => {
  await setOption(true);
  const alice = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!;
  const out = await call(userCaller(alice), 'GenerateRecoveryCodes');
  const codes = out.RecoveryCodes as string[];
  assert.equal(codes.length, 10);
  const stored = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!.recoveryCodes!;
  assert.equal(stored.hashes.length, 10);
  const text = JSON.stringify(stored);
  for (const code of codes) {
    assert.equal(text.includes(code), false);
    assert.equal(text.includes(code.replace('-', '')), false);
  }

  clock += 60_000;
  const typed = codes[3]!.toLowerCase().replace('-', ' ');
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), typed), {
    ok: true,
    remaining: 9,
  });
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), codes[3]!), { ok: false });
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), 'ABCDE-FGHJK'), { ok: false });
  const status = await call(userCaller(alice), 'GetRecoveryCodeStatus');
  assert.equal(status.RemainingCodes, 9);
  assert.equal(status.LastUsedDate, '2026-11-23T12:01:00Z');
  assert.equal(await recoveryCodesRemaining(iam, ACCOUNT, principalOf(alice)), 9);
});

test("one user's code is not another's, and the root user has codes of its own", async () => {
  await setOption(true);
  const alice = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!;
  const aliceCodes = (await call(userCaller(alice), 'GenerateRecoveryCodes')).RecoveryCodes as string[];
  const rootCodes = (await call(root, 'GenerateRecoveryCodes')).RecoveryCodes as string[];
  const bob = principalOf(user('bob'));
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, bob, aliceCodes[0]!), { ok: false });
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, ROOT_PRINCIPAL, aliceCodes[0]!), { ok: false });
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, ROOT_PRINCIPAL, rootCodes[0]!), {
    ok: true,
    remaining: 9,
  });
  const account = (await iam.store.read((tx) => tx.get(accounts, ACCOUNT)))!;
  assert.equal(account.rootRecoveryCodes!.hashes.length, 9);
});

test('regenerating replaces every code; KeepExisting keeps codes that remain', async () => {
  await setOption(true);
  const alice = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!;
  const first = (await call(userCaller(alice), 'GenerateRecoveryCodes')).RecoveryCodes as string[];
  const kept = await call(userCaller(alice), 'GenerateRecoveryCodes', { KeepExisting: true });
  assert.deepEqual(kept, { RecoveryCodes: [], RemainingCodes: 10 });
  const second = (await call(userCaller(alice), 'GenerateRecoveryCodes')).RecoveryCodes as string[];
  assert.equal(second.length, 10);
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), first[0]!), { ok: false });
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), second[0]!), {
    ok: true,
    remaining: 9,
  });
});

test('generating is authorized as portcullis:GenerateRecoveryCodes and needs an MFA device', async () => {
  await setOption(true);
  const bob = (await iam.store.read((tx) => tx.get(users, 'AIDABOB')))!;
  await refused(call(userCaller(bob), 'GenerateRecoveryCodes'), 'AccessDenied');
  await iam.store.write(async (tx) => {
    await tx.put(users, user('carol'));
  });
  const carol = (await iam.store.read((tx) => tx.get(users, 'AIDACAROL')))!;
  await refused(call(userCaller(carol), 'GenerateRecoveryCodes'), 'ValidationError');
});

test('turning the option off stops codes from working', async () => {
  await setOption(true);
  const alice = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!;
  const codes = (await call(userCaller(alice), 'GenerateRecoveryCodes')).RecoveryCodes as string[];
  await setOption(false);
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), codes[0]!), { ok: false });
  assert.equal(await recoveryCodesRemaining(iam, ACCOUNT, principalOf(alice)), 0);
});

test("deactivating the owner's last MFA device removes the codes", async () => {
  await setOption(true);
  const alice = (await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!;
  const codes = (await call(userCaller(alice), 'GenerateRecoveryCodes')).RecoveryCodes as string[];
  await iamOperations.DeactivateMFADevice!(
    { iam, caller: userCaller(alice) },
    { UserName: 'alice', SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice` },
  );
  assert.equal((await iam.store.read((tx) => tx.get(users, 'AIDAALICE')))!.recoveryCodes, undefined);
  assert.deepEqual(await useRecoveryCode(iam, ACCOUNT, principalOf(alice), codes[0]!), { ok: false });
  const status = await call(userCaller(alice), 'GetRecoveryCodeStatus');
  assert.deepEqual(status, { Enabled: true, RemainingCodes: 0 });
});
