// GenerateCredentialReport and GetCredentialReport with a controllable clock: the four-hour reuse
// and expiry, snapshot semantics, root's MFA devices and key slots kept between reports. (The
// end-to-end tests in test/e2e/credential-report/ cannot move the server's clock.)
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Iam } from '../iam.ts';
import { IamError } from '../errors.ts';
import { ROOT_OWNER, type AccessKeyRecord, type MfaDeviceRecord, type UserRecord } from '../records.ts';
import type { OperationContext } from '../operation.ts';
import type { Table } from '../store.ts';
import { accessKeys, accounts, credentialReports, lastUsed, mfaDevices, users } from '../tables.ts';
import {
  credentialReportOperations,
  generateReport,
  rehearseReport,
  REPORT_STARTED_DESCRIPTION,
} from './credential-report.ts';
import { iamWithAccounts, rootCaller, testAccount } from '../../../test/support/domain.ts';

const ACCOUNT = '123456789012';
const HOUR = 60 * 60 * 1000;

let clock: number;
let iam: Iam;
let ctx: OperationContext;

const root = rootCaller(ACCOUNT);

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Adds (or replaces) a row in a write of its own, as a committed change between reports. */
async function put<T>(table: Table<T>, row: T): Promise<void> {
  await iam.store.write((tx) => tx.put(table, row));
}

function user(name: string, fields: Partial<UserRecord> = {}): UserRecord {
  return {
    account: ACCOUNT,
    id: `AIDA${name.toUpperCase()}`,
    name,
    path: '/',
    createdAt: iso(clock),
    tags: [],
    inlinePolicies: {},
    ...fields,
  };
}

/** An access key of the user with this id (undefined: the root user's), `position`-th of its owner's. */
function accessKey(id: string, userId: string | undefined, position: number): AccessKeyRecord {
  return {
    account: ACCOUNT,
    id,
    ...(userId !== undefined ? { userId } : {}),
    sealedSecret: 'x',
    status: 'Active',
    createdAt: iso(clock),
    position,
  };
}

/** A virtual device; enabled for an owner when `fields` give `ownerId` and `enabledAt`. */
function device(name: string, fields: Partial<MfaDeviceRecord> = {}): MfaDeviceRecord {
  const account = fields.account ?? ACCOUNT;
  return {
    id: `device-${account}-${name}`,
    account,
    serialNumber: `arn:aws:iam::${account}:mfa/${name}`,
    name,
    path: '/',
    createdAt: iso(clock),
    type: 'virtual',
    sealedSeed: 'x',
    tags: [],
    ...fields,
  };
}

const generate = () => credentialReportOperations.GenerateCredentialReport!(ctx, {});
const get = () => credentialReportOperations.GetCredentialReport!(ctx, {});

async function reportLines(): Promise<string[]> {
  const out = await get();
  return Buffer.from(out!.Content as Uint8Array)
    .toString('utf8')
    .split('\n');
}

async function errorOf(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof IamError);
    return { code: error.code, message: error.message };
  }
  throw new Error('expected the call to fail');
}

beforeEach(async () => {
  clock = Date.parse('2026-07-31T12:00:00Z');
  iam = await iamWithAccounts([testAccount(ACCOUNT, { createdAt: '2024-01-15T09:00:00Z' })], {
    now: () => new Date(clock),
  });
  ctx = { iam, caller: root };
});

test('GetCredentialReport before any report: ReportNotPresent with no message', async () => {
  assert.deepEqual(await errorOf(get()), { code: 'ReportNotPresent', message: '' });
});

test('Generate starts a report that Get serves at once; within 4 hours Generate reuses it', async () => {
  assert.deepEqual(await generate(), { State: 'STARTED', Description: REPORT_STARTED_DESCRIPTION });
  const first = await get();
  assert.equal(first!.ReportFormat, 'text/csv');
  assert.equal(first!.GeneratedTime, '2026-07-31T12:00:00Z');

  clock += 3 * HOUR + 59 * 60 * 1000;
  await put(users, user('late'));
  assert.deepEqual(await generate(), { State: 'COMPLETE' });
  const again = await get();
  assert.equal(again!.GeneratedTime, '2026-07-31T12:00:00Z');
  // A snapshot: the user created after generation is not in it.
  assert.equal((await reportLines()).length, 2);
});

test('after 4 hours Get says ReportExpired, and Generate starts a new report', async () => {
  await generate();
  await put(users, user('late'));
  clock += 4 * HOUR;
  assert.deepEqual(await errorOf(get()), { code: 'ReportExpired', message: '' });
  assert.deepEqual(await generate(), { State: 'STARTED', Description: REPORT_STARTED_DESCRIPTION });
  const out = await get();
  assert.equal(out!.GeneratedTime, '2026-07-31T16:00:00Z');
  const lines = await reportLines();
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /^late,/);
});

test("root's mfa_active comes from devices enabled for root; unassigned devices and others' do not count", async () => {
  // Unassigned: no owner, not enabled.
  await put(mfaDevices, device('spare'));
  // Enabled for an IAM user (by id), not for root.
  await put(mfaDevices, device('alice-phone', { ownerId: 'AIDAALICE', enabledAt: iso(clock) }));
  // Enabled for the root user of another account.
  await put(
    mfaDevices,
    device('other', { account: '999999999999', ownerId: ROOT_OWNER, enabledAt: iso(clock) }),
  );
  await generate();
  assert.equal((await reportLines())[1]!.split(',')[7], 'false');

  clock += 4 * HOUR;
  await put(mfaDevices, device('root-account-mfa-device', { ownerId: ROOT_OWNER, enabledAt: iso(clock) }));
  await generate();
  const rootRow = (await reportLines())[1]!.split(',');
  assert.equal(rootRow[0], '<root_account>');
  assert.equal(rootRow[3], 'true'); // root has a password
  assert.equal(rootRow[7], 'true');
});

test("a user's mfa_active follows its enabled devices", async () => {
  const withMfa = user('withmfa');
  await put(users, withMfa);
  await put(mfaDevices, device('p', { ownerId: withMfa.id, enabledAt: iso(clock) }));
  await put(users, user('without'));
  await generate();
  const rows = Object.fromEntries((await reportLines()).slice(2).map((l) => [l.split(',')[0], l.split(',')]));
  assert.equal(rows.withmfa![7], 'true');
  assert.equal(rows.without![7], 'false');
});

test('a key keeps its slot across reports: deleting slot 1 leaves slot 1 empty', async () => {
  const owner = user('keys');
  const k1 = accessKey('AKIAONE', owner.id, 1);
  clock += 1000;
  const k2 = accessKey('AKIATWO', owner.id, 2);
  await put(accessKeys, k1);
  await put(accessKeys, k2);
  await put(users, owner);
  await generate();
  let row = (await reportLines())[2]!.split(',');
  assert.deepEqual([row[8], row[13]], ['true', 'true']);
  assert.equal(row[9], iso(clock - 1000).replace('Z', '+00:00'));

  clock += 4 * HOUR;
  await iam.store.write((tx) => tx.delete(accessKeys, k1.id));
  await generate();
  row = (await reportLines())[2]!.split(',');
  assert.deepEqual(row.slice(8, 13), ['false', 'N/A', 'N/A', 'N/A', 'N/A']);
  assert.equal(row[13], 'true');
});

test("the root user's access keys fill the root row, with their last use", async () => {
  const rootKey = accessKey('AKIAROOTKEY', undefined, 1);
  await put(accessKeys, rootKey);
  // A key's last use is a row of its own, under the key's id; root's password use is on the account.
  await put(lastUsed, {
    id: rootKey.id,
    account: ACCOUNT,
    date: iso(clock),
    region: 'us-east-1',
    service: 'iam',
  });
  await iam.store.write(async (tx) => {
    const account = (await tx.get(accounts, ACCOUNT))!;
    await tx.update(accounts, { ...account, rootPasswordLastUsed: iso(clock - HOUR) });
  });
  await generate();
  const row = (await reportLines())[1]!.split(',');
  assert.deepEqual(row.slice(8, 13), [
    'true',
    '2026-07-31T12:00:00+00:00',
    '2026-07-31T12:00:00+00:00',
    'us-east-1',
    'iam',
  ]);
  assert.equal(row[4], '2026-07-31T11:00:00+00:00'); // password_last_used
});

test("a worker's rehearsal reads a report's rows and stores nothing; none to read on a store without users", async () => {
  assert.equal(await rehearseReport(iam.store, 5000), false);
  for (let i = 0; i < 5; i++) await put(users, user(`user${i}`));
  assert.equal(await rehearseReport(iam.store, 5000), true);
  assert.equal(await iam.store.read((tx) => tx.get(credentialReports, ACCOUNT)), undefined);
  assert.equal(await errorOf(get()).then((e) => e.code), 'ReportNotPresent');
});

test('a bounded read stops at maxRows of each table, page after page', async () => {
  for (let i = 0; i < 7; i++) await put(users, user(`user${i}`));
  const report = await iam.store.read((tx) => generateReport(tx, ACCOUNT, iso(clock), undefined, 2, 5));
  // A header, the root user and the first five users by name.
  assert.deepEqual(
    report.content
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => line.split(',')[0]),
    ['user0', 'user1', 'user2', 'user3', 'user4'],
  );
});
