// verifyMfaCode against a real (in-memory SQLite) store and a clock the test moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTotpSecret, totpCode } from '../../crypto/totp.ts';
import type { Iam } from '../iam.ts';
import { ROOT_OWNER, type MfaDeviceRecord, type UserRecord } from '../records.ts';
import { mfaDevices, users } from '../tables.ts';
import { checkMfaCode, verifyMfaCode } from './mfa-verify.ts';
import { findDevice, MAX_CONSECUTIVE_FAILURES, sealContext } from './mfa-common.ts';
import { virtualMfaUri } from './mfa-qr.ts';
import { testIam } from '../../../test/support/domain.ts';

const ACCOUNT = '123456789012';
const T0 = Date.UTC(2026, 10, 23, 12, 0, 15); // 15 s into a 30 s step

// Principals are named by id: an IAM user's unique id, or ROOT_OWNER for the root user.
const ALICE_ID = 'AIDAALICEALICEALICE1';
const BOB_ID = 'AIDABOBBOBBOBBOBBOB1';

function setup(): { iam: Iam; clock: { ms: number }; seed: string; rootSeed: string } {
  const clock = { ms: T0 };
  const iam = testIam({ now: () => new Date(clock.ms) });
  return { iam, clock, seed: newTotpSecret(), rootSeed: newTotpSecret() };
}

/** A virtual device, enabled for `ownerId` (a user's id, or ROOT_OWNER) when one is given. */
function device(iam: Iam, name: string, seed: string, ownerId?: string): MfaDeviceRecord {
  const serialNumber = `arn:aws:iam::${ACCOUNT}:mfa/${name}`;
  return {
    id: `device-${name}`,
    account: ACCOUNT,
    serialNumber,
    name,
    path: '/',
    createdAt: '2026-11-23T11:00:00Z',
    type: 'virtual',
    sealedSeed: iam.sealer.seal(seed, sealContext(serialNumber)),
    // A device has an owner only while it is enabled.
    ...(ownerId !== undefined ? { ownerId, enabledAt: '2026-11-23T11:00:00Z' } : {}),
    tags: [],
  };
}

function user(id: string, name: string): UserRecord {
  return {
    account: ACCOUNT,
    id,
    name,
    path: '/',
    createdAt: '2026-11-23T10:00:00Z',
    tags: [],
    inlinePolicies: {},
  };
}

async function seedStore(iam: Iam, seed: string, rootSeed: string): Promise<void> {
  await iam.store.write(async (tx) => {
    await tx.insert(users, user(ALICE_ID, 'alice'));
    await tx.insert(users, user(BOB_ID, 'bob'));
    for (const d of [
      device(iam, 'alice', seed, ALICE_ID),
      device(iam, 'spare', seed),
      device(iam, 'root-account-mfa-device', rootSeed, ROOT_OWNER),
    ]) {
      await tx.insert(mfaDevices, d);
    }
  });
}

/** A six-digit code that is none of the codes around `atMs`. */
function wrongCode(seed: string, atMs: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((k) => totpCode(seed, atMs + k * 30_000)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

const ALICE = `arn:aws:iam::${ACCOUNT}:mfa/alice`;
const ROOT_DEVICE = `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`;

test('the current code is accepted once, and never again (replay protection)', async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  const code = totpCode(seed, T0);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, code), { ok: true });
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, code), {
    ok: false,
    reason: 'invalid-code',
  });
  // Nor is the previous step's code, now that a later one was used.
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, T0 - 30_000)), {
    ok: false,
    reason: 'invalid-code',
  });
  const stored = await iam.store.read((tx) => findDevice(tx, ACCOUNT, ALICE));
  assert.equal(stored?.lastUsedStep, Math.floor(T0 / 30_000));
});

test('codes one step away are accepted, two steps away are not', async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, T0 - 60_000)), {
    ok: false,
    reason: 'invalid-code',
  });
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, T0 + 60_000)), {
    ok: false,
    reason: 'invalid-code',
  });
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, T0 - 30_000)), {
    ok: true,
  });
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, T0 + 30_000)), {
    ok: true,
  });
});

test('a device not enabled for that principal is an unknown device, whatever the code', async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  const code = totpCode(seed, T0);
  const unknown = { ok: false, reason: 'unknown-device' };
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, BOB_ID, code), unknown);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ROOT_OWNER, code), unknown);
  assert.deepEqual(
    await checkMfaCode(iam, ACCOUNT, `arn:aws:iam::${ACCOUNT}:mfa/spare`, ALICE_ID, code),
    unknown,
  );
  assert.deepEqual(
    await checkMfaCode(iam, ACCOUNT, `arn:aws:iam::${ACCOUNT}:mfa/none`, ALICE_ID, code),
    unknown,
  );
  assert.deepEqual(await checkMfaCode(iam, '999999999999', ALICE, ALICE_ID, code), unknown);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ROOT_DEVICE, ALICE_ID, totpCode(rootSeed, T0)), unknown);
  // Serial numbers compare without case, as IAM names do (the principal is an id, compared exactly).
  assert.deepEqual(
    await checkMfaCode(
      iam,
      ACCOUNT,
      ALICE.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam'),
      ALICE_ID,
      code,
    ),
    { ok: true },
  );
});

test('a device enabled for a deleted user does not answer for a re-created user of the same name', async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  // alice is deleted and created again: same name, new id. Her old device still names the old id.
  const newAliceId = 'AIDAALICEALICEALICE2';
  await iam.store.write(async (tx) => {
    await tx.delete(users, ALICE_ID);
    await tx.insert(users, user(newAliceId, 'alice'));
  });
  const code = totpCode(seed, T0);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, newAliceId, code), {
    ok: false,
    reason: 'unknown-device',
  });
  // The refusal was about whose device it is, not the code: for the id it was enabled for, the
  // same code is accepted (the refusal recorded nothing, so it is no replay).
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, code), { ok: true });
});

test("a FIDO security key's device (u2f) answers no codes, even for its owner", async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  const serialNumber = `arn:aws:iam::${ACCOUNT}:u2f/user/alice/yubikey-ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
  await iam.store.write((tx) =>
    tx.insert(mfaDevices, {
      id: 'device-u2f',
      account: ACCOUNT,
      serialNumber,
      name: 'yubikey-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      path: '/user/alice/',
      createdAt: '2026-11-23T11:00:00Z',
      type: 'u2f',
      ownerId: ALICE_ID,
      enabledAt: '2026-11-23T11:00:00Z',
      tags: [],
    }),
  );
  const unknown = { ok: false, reason: 'unknown-device' };
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, serialNumber, ALICE_ID, totpCode(seed, T0)), unknown);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, serialNumber, ALICE_ID, '123456'), unknown);
  // Nothing was counted against it: it is not a device codes are checked on.
  const stored = await iam.store.read((tx) => findDevice(tx, ACCOUNT, serialNumber));
  assert.equal(stored?.failures, undefined);
});

test('the root user\'s device answers for root (owner id "root")', async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ROOT_DEVICE, ROOT_OWNER, totpCode(rootSeed, T0)), {
    ok: true,
  });
});

test('after five wrong codes the device is throttled for a minute, then accepts a right code', async () => {
  const { iam, clock, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  const wrong = wrongCode(seed, T0);
  for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) {
    assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, wrong), {
      ok: false,
      reason: 'invalid-code',
    });
  }
  // Even the right code is refused without being looked at.
  clock.ms = T0 + 30_000;
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, clock.ms)), {
    ok: false,
    reason: 'throttled',
  });
  clock.ms = T0 + 61_000;
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, clock.ms)), { ok: true });
  const stored = await iam.store.read((tx) => findDevice(tx, ACCOUNT, ALICE));
  assert.equal(stored?.failures, undefined);
});

test('each further wrong code after the lockout doubles the back-off', async () => {
  const { iam, clock, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) {
    await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, wrongCode(seed, T0));
  }
  clock.ms = T0 + 61_000;
  const sixth = await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, wrongCode(seed, clock.ms));
  assert.deepEqual(sixth, { ok: false, reason: 'invalid-code' });
  clock.ms = T0 + 61_000 + 100_000; // within the 120 s back-off
  assert.deepEqual((await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, clock.ms))).ok, false);
  clock.ms = T0 + 61_000 + 121_000;
  assert.deepEqual(await checkMfaCode(iam, ACCOUNT, ALICE, ALICE_ID, totpCode(seed, clock.ms)), { ok: true });
});

test('verifyMfaCode writes through the given transaction; a committed failure is counted', async () => {
  const { iam, seed, rootSeed } = setup();
  await seedStore(iam, seed, rootSeed);
  const verdict = await iam.store.write((tx) =>
    verifyMfaCode(iam, tx, ACCOUNT, ALICE, ALICE_ID, wrongCode(seed, T0)),
  );
  assert.equal(verdict.ok, false);
  const stored = await iam.store.read((tx) => findDevice(tx, ACCOUNT, ALICE));
  assert.equal(stored?.failures?.count, 1);
});

test('the QR code URI is the one AWS writes: issuer prefix, device@account, secret, issuer', () => {
  assert.equal(
    virtualMfaUri('alice', '123456789012', 'JBSWY3DPEHPK3PXP'),
    'otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret=JBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services',
  );
  assert.equal(
    virtualMfaUri('a+b=c,d', 'my-alias', 'JBSWY3DPEHPK3PXP'),
    'otpauth://totp/Amazon%20Web%20Services:a%2Bb%3Dc%2Cd@my-alias?secret=JBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services',
  );
});
