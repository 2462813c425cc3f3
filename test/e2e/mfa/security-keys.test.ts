// FIDO security keys as MFA devices, through the IAM API, without a browser: the keys are written
// into the server's store the way the console's registration writes them (addSecurityKey, in one
// transaction), then the SDK sees what AWS shows for FIDO keys: u2f serial numbers in
// ListMFADevices next to virtual devices, mfa_active in the credential report, the counts of
// GetAccountSummary, DeleteUser's DeleteConflict, and DeactivateMFADevice removing a key for good.
// (test/browser/security-key.test.ts registers a key through a real WebAuthn ceremony.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetMFADeviceCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  UpdateUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';
import { consecutiveCodes, seedOf } from './codes.ts';
import { openSqliteStore } from '../../../src/storage/sqlite/sqlite-store.ts';
import { openPostgresStore } from '../../../src/storage/postgres/postgres-store.ts';
import type { Store, StoreTx } from '../../../src/domain/store.ts';
import type { UserRecord } from '../../../src/domain/records.ts';
import { users } from '../../../src/domain/tables.ts';
import {
  MFA_DEVICES_PER_USER,
  type MfaOwner,
  type SecurityKeyRecord,
  addSecurityKey,
  securityKeysOfOwner,
} from '../../../src/domain/iam/mfa-common.ts';

const ACCOUNT = ROOT.accountId;
const u2fSerial = (where: string, keyName: string) =>
  new RegExp(`^arn:aws:iam::${ACCOUNT}:u2f/${where}/${keyName}-[A-Z2-7]{26}$`);

let server: Server;
let iam: IAMClient;
let store: Store;
let credentials = 0;

before(async () => {
  server = await startServer();
  iam = server.iam();
  // The server's own store, opened beside it (as a second node of the deployment would).
  store =
    server.databaseUrl !== undefined
      ? await openPostgresStore({ connectionString: server.databaseUrl })
      : openSqliteStore({ filename: join(server.dataDir, 'portcullis.sqlite') });
});

after(async () => {
  await store?.close();
  await server?.stop();
});

/** The user of that name now (names are unique regardless of case; keys are filed under the id). */
function findUser(tx: StoreTx, userName: string): Promise<UserRecord | undefined> {
  return tx.find(users, { account: ACCOUNT, name_lower: userName.toLowerCase() });
}

/** The keys the console offers a user at sign-in. */
async function keysOf(userName: string): Promise<SecurityKeyRecord[]> {
  return store.read(async (tx) => {
    const user = await findUser(tx, userName);
    return user ? securityKeysOfOwner(tx, ACCOUNT, { kind: 'user', user }) : [];
  });
}

/** What the console does once the WebAuthn registration is verified. */
async function registerKey(userName: string | undefined, name: string): Promise<SecurityKeyRecord> {
  credentials += 1;
  return store.write(async (tx) => {
    const owner: MfaOwner =
      userName === undefined ? { kind: 'root' } : { kind: 'user', user: (await findUser(tx, userName))! };
    return addSecurityKey(
      tx,
      ACCOUNT,
      owner,
      {
        credentialId: `credential-${credentials}`,
        publicKey: 'cHVibGljLWtleQ',
        counter: 0,
        transports: ['usb'],
        name,
      },
      new Date(server.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
  });
}

async function reportRow(name: string): Promise<Record<string, string>> {
  await server.advanceClock(5 * 60 * 60); // past the four hours a report is reused
  await iam.send(new GenerateCredentialReportCommand({}));
  const csv = Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString('utf8');
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header!.split(',');
  const row = rows.map((r) => r.split(',')).find((r) => r[0] === name);
  assert.ok(row, `a report row for ${name}`);
  return Object.fromEntries(columns.map((c, i) => [c, row[i]!]));
}

test('a security key is listed by ListMFADevices with a u2f serial, next to a virtual device', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'kim' }));
  const registered = await registerKey('kim', 'yubikey-5');
  assert.match(registered.serialNumber!, u2fSerial('user/kim', 'yubikey-5'));

  const created = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'kim-phone' }));
  const serial = created.VirtualMFADevice!.SerialNumber!;
  const codes = consecutiveCodes(seedOf(created.VirtualMFADevice!.Base32StringSeed), server.now());
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'kim',
      SerialNumber: serial,
      AuthenticationCode1: codes.code1,
      AuthenticationCode2: codes.code2,
    }),
  );

  const listed = (await iam.send(new ListMFADevicesCommand({ UserName: 'kim' }))).MFADevices ?? [];
  assert.deepEqual(
    listed.map((d) => [d.UserName, d.SerialNumber]),
    [
      ['kim', serial],
      ['kim', registered.serialNumber],
    ],
  );
  const got = await iam.send(
    new GetMFADeviceCommand({ UserName: 'kim', SerialNumber: registered.serialNumber! }),
  );
  assert.equal(got.SerialNumber, registered.serialNumber);
  assert.equal(got.UserName, 'kim');
  assert.ok(got.EnableDate instanceof Date);

  // ListVirtualMFADevices knows only the virtual one.
  const virtual = (await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices ?? [];
  assert.deepEqual(
    virtual.map((d) => d.SerialNumber),
    [serial],
  );

  // Deactivating the virtual device leaves the key: one device is enough for MFA.
  await iam.send(new DeactivateMFADeviceCommand({ UserName: 'kim', SerialNumber: serial }));
  await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
  const left = (await iam.send(new ListMFADevicesCommand({ UserName: 'kim' }))).MFADevices ?? [];
  assert.deepEqual(
    left.map((d) => d.SerialNumber),
    [registered.serialNumber],
  );
});

test('a user with only a security key has mfa_active true in the credential report', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'nokey' }));
  assert.equal((await reportRow('kim')).mfa_active, 'true');
  assert.equal((await reportRow('nokey')).mfa_active, 'false');
});

test('GetAccountSummary counts security keys as MFA devices in use', async () => {
  const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(summary.MFADevices, 1);
  assert.equal(summary.MFADevicesInUse, 1);
  assert.equal(summary.AccountMFAEnabled, 0);
});

test('DeleteUser is a DeleteConflict while the user has a security key', async () => {
  assert.deepEqual(await awsError(iam.send(new DeleteUserCommand({ UserName: 'kim' }))), {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must delete MFA device first.',
    status: 409,
  });
});

test('renaming the user keeps the key and its serial number, listed under the new name', async () => {
  const before = (await iam.send(new ListMFADevicesCommand({ UserName: 'kim' }))).MFADevices ?? [];
  await iam.send(new UpdateUserCommand({ UserName: 'kim', NewUserName: 'kimberly' }));
  const after = (await iam.send(new ListMFADevicesCommand({ UserName: 'kimberly' }))).MFADevices ?? [];
  assert.deepEqual(
    after.map((d) => [d.UserName, d.SerialNumber]),
    [['kimberly', before[0]!.SerialNumber]],
  );
  assert.equal((await keysOf('kimberly')).length, 1, 'the console still offers the key at sign-in');
});

test('DeactivateMFADevice with a u2f serial removes the key for good; then DeleteUser succeeds', async () => {
  const [device] = (await iam.send(new ListMFADevicesCommand({ UserName: 'kimberly' }))).MFADevices ?? [];
  const serial = device!.SerialNumber!;
  await iam.send(new DeactivateMFADeviceCommand({ UserName: 'kimberly', SerialNumber: serial }));
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'kimberly' }))).MFADevices, []);
  const gone = {
    code: 'NoSuchEntity',
    message: `MFA Device with serial number ${serial} does not exist.`,
    status: 404,
  };
  assert.deepEqual(
    await awsError(iam.send(new GetMFADeviceCommand({ UserName: 'kimberly', SerialNumber: serial }))),
    gone,
  );
  assert.deepEqual(
    await awsError(iam.send(new DeactivateMFADeviceCommand({ UserName: 'kimberly', SerialNumber: serial }))),
    gone,
  );
  assert.deepEqual(await keysOf('kimberly'), [], 'the console no longer offers the key');
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.MFADevicesInUse, 0);
  await iam.send(new DeleteUserCommand({ UserName: 'kimberly' }));
});

test("another user's key is not theirs to list or deactivate", async () => {
  await iam.send(new CreateUserCommand({ UserName: 'lee' }));
  await iam.send(new CreateUserCommand({ UserName: 'max' }));
  const lees = await registerKey('lee', 'lee-key');
  const error = await awsError(
    iam.send(new DeactivateMFADeviceCommand({ UserName: 'max', SerialNumber: lees.serialNumber! })),
  );
  assert.equal(error.code, 'NoSuchEntity');
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'max' }))).MFADevices, []);
  assert.equal((await iam.send(new ListMFADevicesCommand({ UserName: 'lee' }))).MFADevices?.length, 1);
});

test("the root user's security key is root's MFA device: AccountMFAEnabled and the <root_account> row", async () => {
  const registered = await registerKey(undefined, 'root-key');
  assert.match(registered.serialNumber!, u2fSerial('root', 'root-key'));
  const listed = (await iam.send(new ListMFADevicesCommand({}))).MFADevices ?? [];
  assert.deepEqual(
    listed.map((d) => [d.UserName, d.SerialNumber]),
    [[undefined, registered.serialNumber]],
  );
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.AccountMFAEnabled, 1);
  assert.equal((await reportRow('<root_account>')).mfa_active, 'true');
  // A key answers no six-digit codes: GetSessionToken with its serial number cannot use it.
  assert.deepEqual(
    await awsError(
      server
        .sts()
        .send(new GetSessionTokenCommand({ SerialNumber: registered.serialNumber!, TokenCode: '123456' })),
    ),
    {
      code: 'AccessDenied',
      message:
        'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
      status: 403,
    },
  );
  await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: registered.serialNumber! }));
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.AccountMFAEnabled, 0);
});

test('up to 8 MFA devices per user, keys and virtual devices together (LimitExceeded)', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'many' }));
  for (let i = 0; i < MFA_DEVICES_PER_USER; i++) await registerKey('many', `key-${i}`);
  // Not confirmed against AWS: the text is ours (no recorded response found).
  await assert.rejects(registerKey('many', 'one-too-many'), {
    code: 'LimitExceeded',
    message: `Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`,
  });
  const created = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'many-phone' }));
  const codes = consecutiveCodes(seedOf(created.VirtualMFADevice!.Base32StringSeed), server.now());
  const error = await awsError(
    iam.send(
      new EnableMFADeviceCommand({
        UserName: 'many',
        SerialNumber: created.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: codes.code1,
        AuthenticationCode2: codes.code2,
      }),
    ),
  );
  assert.equal(error.code, 'LimitExceeded');
});
