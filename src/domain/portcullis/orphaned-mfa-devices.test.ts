// The orphaned-device janitor against a real (in-memory SQLite) store and a clock the test moves:
// only unassigned virtual devices older than the account's hours go, only in accounts that set
// them, and a second sweep (another node's) finds nothing left to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Iam } from '../iam.ts';
import type { AccountRecord, MfaDeviceRecord } from '../records.ts';
import { accounts, mfaDevices } from '../tables.ts';
import { isExpiredOrphan, sweepOrphanedMfaDevices, sweptDeviceEvent } from './orphaned-mfa-devices.ts';
import { auditEntry, toAuditRecord } from '../audit/events.ts';
import { testAccount, testIam } from '../../../test/support/domain.ts';

const HOUR = 60 * 60_000;
const T0 = Date.parse('2026-07-31T12:00:00Z');
const ON = '111111111111';
const OFF = '222222222222';

function setup(): { iam: Iam; clock: { ms: number } } {
  const clock = { ms: T0 };
  return { iam: testIam({ now: () => new Date(clock.ms) }), clock };
}

function account(id: string, hours?: number): AccountRecord {
  return testAccount(id, hours !== undefined ? { mfaOptions: { orphanedDeviceHours: hours } } : {});
}

function device(
  accountId: string,
  name: string,
  createdMs: number,
  extra: Partial<MfaDeviceRecord> = {},
): MfaDeviceRecord {
  return {
    id: `${accountId}-${name}`,
    account: accountId,
    serialNumber: `arn:aws:iam::${accountId}:mfa/${name}`,
    name,
    path: '/',
    createdAt: new Date(createdMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    type: 'virtual',
    tags: [],
    ...extra,
  };
}

test('the sweep deletes unassigned virtual devices past the hours, in accounts that set them', async () => {
  const { iam, clock } = setup();
  await iam.store.write(async (tx) => {
    await tx.insert(accounts, account(ON, 24));
    await tx.insert(accounts, account(OFF));
    await tx.insert(mfaDevices, device(ON, 'abandoned', T0));
    await tx.insert(mfaDevices, device(ON, 'recent', T0 + 2 * HOUR));
    await tx.insert(
      mfaDevices,
      device(ON, 'enabled', T0, { ownerId: 'AIDAX', enabledAt: '2026-07-31T12:01:00Z' }),
    );
    await tx.insert(mfaDevices, device(OFF, 'abandoned', T0));
  });
  clock.ms = T0 + 24 * HOUR - 1;
  assert.deepEqual(await sweepOrphanedMfaDevices(iam), []);
  clock.ms = T0 + 24 * HOUR;
  assert.deepEqual(await sweepOrphanedMfaDevices(iam), [
    { account: ON, serialNumber: `arn:aws:iam::${ON}:mfa/abandoned`, time: new Date(T0 + 24 * HOUR) },
  ]);
  const left = await iam.store.read((tx) => tx.list(mfaDevices));
  assert.deepEqual(left.map((d) => d.id).sort(), [`${ON}-enabled`, `${ON}-recent`, `${OFF}-abandoned`]);
  // Another node's sweep right after: nothing left to delete, and no error.
  assert.deepEqual(await sweepOrphanedMfaDevices(iam), []);
  clock.ms = T0 + 26 * HOUR;
  assert.equal((await sweepOrphanedMfaDevices(iam)).length, 1);
});

test('isExpiredOrphan: never when off, never for an enabled device or a security key', () => {
  const now = new Date(T0 + 2 * HOUR);
  assert.equal(isExpiredOrphan(device(ON, 'a', T0), 1, now), true);
  assert.equal(isExpiredOrphan(device(ON, 'a', T0), 3, now), false);
  assert.equal(isExpiredOrphan(device(ON, 'a', T0), undefined, now), false);
  assert.equal(isExpiredOrphan(device(ON, 'a', T0, { enabledAt: '2026-07-31T12:00:00Z' }), 1, now), false);
  assert.equal(isExpiredOrphan(device(ON, 'a', T0, { type: 'u2f' }), 1, now), false);
  // Deactivated (left unassigned) 30 minutes before `now`: its hours count from then.
  const deactivated = new Date(now.getTime() - 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  assert.equal(isExpiredOrphan(device(ON, 'a', T0, { unassignedAt: deactivated }), 1, now), false);
  assert.equal(
    isExpiredOrphan(
      device(ON, 'a', T0, { unassignedAt: deactivated }),
      1,
      new Date(now.getTime() + 31 * 60_000),
    ),
    true,
  );
});

test("a swept device's audit event: the service acting on its own, in the device's account", () => {
  const swept = { account: ON, serialNumber: `arn:aws:iam::${ON}:mfa/abandoned`, time: new Date(T0) };
  const record = toAuditRecord(auditEntry(sweptDeviceEvent(swept)), 'event-1');
  assert.equal(record.account, ON);
  assert.equal(record.eventName, 'DeleteOrphanedMFADevice');
  assert.equal(record.eventSource, 'portcullis.local');
  assert.equal(record.readOnly, false);
  assert.deepEqual(record.event.userIdentity, { type: 'AWSService', invokedBy: 'portcullis.local' });
  assert.deepEqual(record.event.requestParameters, { serialNumber: swept.serialNumber });
  assert.equal(record.event.eventTime, '2026-07-31T12:00:00Z');
});
