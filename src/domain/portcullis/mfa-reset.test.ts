// ResetUserMFA against a real SQLite store: refused while the account's option is off; on, it
// removes every MFA device of the user in one transaction — enabled virtual devices deleted (the
// serial number free again), security keys with their device rows, recovery codes kept on the user
// — marks the user for enrolment with who and when, and ends the user's console sessions, leaving
// other users' devices and sessions alone.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Iam } from '../iam.ts';
import { IamError } from '../errors.ts';
import type { MfaDeviceRecord, UserRecord } from '../records.ts';
import type { OperationContext } from '../operation.ts';
import { accounts, consoleSessions, mfaDevices, securityKeys, users } from '../tables.ts';
import { addSecurityKey } from '../iam/mfa-common.ts';
import { newSessionRecord } from '../console-sessions.ts';
import { portcullisOperations } from './index.ts';
import { ADMIN_RESET_OFF } from './mfa-reset.ts';
import { rootCaller, testAccount, testIam } from '../../../test/support/domain.ts';

const ACCOUNT = '123456789012';
const NOW = '2026-07-31T12:00:00Z';
const root = rootCaller(ACCOUNT);

let iam: Iam;
let ctx: OperationContext;

function user(name: string): UserRecord {
  return {
    account: ACCOUNT,
    id: `AIDA${name.toUpperCase()}`,
    name,
    path: '/',
    createdAt: NOW,
    tags: [],
    inlinePolicies: {},
  };
}

function virtualDevice(name: string, ownerId?: string): MfaDeviceRecord {
  return {
    id: `device-${name}`,
    account: ACCOUNT,
    serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${name}`,
    name,
    path: '/',
    createdAt: NOW,
    type: 'virtual',
    sealedSeed: 'x',
    tags: [],
    ...(ownerId ? { ownerId, enabledAt: NOW } : {}),
  };
}

async function errorOf(call: Promise<unknown>): Promise<IamError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof IamError);
    return error;
  }
  throw new Error('expected the call to fail');
}

const reset = (name: string) => portcullisOperations.ResetUserMFA!(ctx, { UserName: name });

beforeEach(async () => {
  iam = testIam({ now: () => new Date(NOW) });
  ctx = { iam, caller: root };
  const mia: UserRecord = { ...user('mia'), recoveryCodes: { hashes: ['hashed'], generatedAt: NOW } };
  const kim = user('kim');
  await iam.store.write(async (tx) => {
    await tx.put(accounts, testAccount(ACCOUNT, { createdAt: NOW }));
    await tx.put(users, mia);
    await tx.put(users, kim);
    await tx.put(mfaDevices, virtualDevice('mia', mia.id));
    await tx.put(mfaDevices, virtualDevice('kim', kim.id));
    await tx.put(mfaDevices, virtualDevice('spare'));
    await addSecurityKey(
      tx,
      ACCOUNT,
      { kind: 'user', user: mia },
      { credentialId: 'cred-1', publicKey: 'pk', counter: 0, name: 'yubikey' },
      NOW,
    );
    for (const who of [mia, kim]) {
      const session = newSessionRecord(
        ACCOUNT,
        { kind: 'user', id: who.id, userName: who.name },
        'active',
        new Date(NOW),
        new Date(Date.parse(NOW) + 3_600_000),
      );
      await tx.put(consoleSessions, session.record);
    }
  });
});

async function turnOn(): Promise<void> {
  await portcullisOperations.UpdateAccountMfaOptions!(ctx, { AdminReset: true });
}

test('refused while the account has administrator MFA reset off', async () => {
  const error = await errorOf(reset('mia'));
  assert.equal(error.code, 'ValidationError');
  assert.equal(error.message, ADMIN_RESET_OFF);
  assert.equal((await iam.store.read((tx) => tx.list(mfaDevices, {}))).length, 4);
});

test("removes the user's devices, security keys and recovery codes, flags enrolment, ends the sessions", async () => {
  await turnOn();
  assert.deepEqual(await portcullisOperations.GetUserMFAReset!(ctx, { UserName: 'mia' }), {
    EnrolmentRequired: false,
  });
  await reset('mia');
  const state = await iam.store.read(async (tx) => ({
    devices: (await tx.list(mfaDevices, {})).map((d) => d.name).sort(),
    keys: await tx.list(securityKeys, {}),
    mia: await tx.get(users, 'AIDAMIA'),
    sessions: (await tx.list(consoleSessions, {})).map((s) => s.principal.id),
  }));
  assert.deepEqual(state.devices, ['kim', 'spare']);
  assert.deepEqual(state.keys, []);
  assert.deepEqual(state.mia?.mfaReset, { by: root.arn, at: NOW, enrolmentRequired: true });
  assert.equal((state.mia as UserRecord & { recoveryCodes?: unknown }).recoveryCodes, undefined);
  assert.deepEqual(state.sessions, ['AIDAKIM']);
  assert.deepEqual(await portcullisOperations.GetUserMFAReset!(ctx, { UserName: 'mia' }), {
    ResetBy: root.arn,
    ResetDate: NOW,
    EnrolmentRequired: true,
  });
  // A user with no devices can be reset too (the requirement is what matters); an unknown one cannot.
  await reset('mia');
  assert.equal((await errorOf(reset('nobody'))).code, 'NoSuchEntity');
});
