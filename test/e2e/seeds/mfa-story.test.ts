// The seeds' central story, end to end through the AWS API (issue 4): an administrator lets
// everyone manage their own MFA device and denies most actions without MFA; a user is denied with
// long-term keys, enables a virtual device with two consecutive codes, gets an MFA-backed session
// and is then allowed; a code is never accepted twice; a role that requires MFA is assumed only
// with it; the credential report shows who has MFA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetSessionTokenCommand,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { totpCode } from '../../../src/crypto/totp.ts';
import { SELF_MANAGED_MFA_POLICY } from '../../fixtures/seed-policies.ts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

const account = ROOT.accountId;
let server: Server;
let dave: Credentials;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const temporary = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

/** Seed 002's policy: self-service of one's own credentials; everything else denied without MFA. */
const selfManagedMfa = SELF_MANAGED_MFA_POLICY;

/** A ForceMFA-style developers policy: read IAM, assume roles; nothing but IAM self-service without MFA. */
const developers = policy([
  {
    Sid: 'Work',
    Effect: 'Allow',
    Action: ['iam:ListUsers', 'iam:ListGroups', 'sts:AssumeRole'],
    Resource: '*',
  },
  {
    Sid: 'ForceMFA',
    Effect: 'Deny',
    NotAction: [
      'iam:CreateVirtualMFADevice',
      'iam:EnableMFADevice',
      'iam:ListMFADevices',
      'iam:GetUser',
      'sts:GetSessionToken',
    ],
    Resource: '*',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  },
]);

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateGroupCommand({ GroupName: 'everyone' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'everyone',
      PolicyName: 'SelfManagedMFA',
      PolicyDocument: selfManagedMfa,
    }),
  );
  await iam.send(new CreateGroupCommand({ GroupName: 'developers' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'developers',
      PolicyName: 'ForceMFA',
      PolicyDocument: developers,
    }),
  );
  for (const name of ['dave', 'erin']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'everyone', UserName: name }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'developers', UserName: name }));
  }
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
  dave = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'admin-with-mfa',
      AssumeRolePolicyDocument: policy([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ]),
    }),
  );
});
after(async () => {
  await server?.stop();
});

let seed = '';
const serial = `arn:aws:iam::${account}:mfa/dave`;

test('with long-term keys (no MFA), the blocked action is denied with the explicit-deny message', async () => {
  const error = await awsError(server.iam(dave).send(new ListUsersCommand({})));
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${account}:user/dave is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ with an explicit deny in an identity-based policy`,
    status: 403,
  });
});

test('the user may create its own MFA device but not one named for another user', async () => {
  const iam = server.iam(dave);
  const denied = await awsError(
    iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'erin' })),
  );
  assert.equal(denied.code, 'AccessDenied');
  assert.match(denied.message, /iam:CreateVirtualMFADevice on resource: arn:aws:iam::\d{12}:mfa\/erin/);
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'dave' }));
  assert.equal(device.VirtualMFADevice?.SerialNumber, serial);
  seed = Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('utf8');
  assert.match(seed, /^[A-Z2-7]+=*$/);
});

test('the user enables it with two consecutive codes computed from the seed', async () => {
  const now = server.now();
  await server.iam(dave).send(
    new EnableMFADeviceCommand({
      UserName: 'dave',
      SerialNumber: serial,
      AuthenticationCode1: totpCode(seed, now - 30_000),
      AuthenticationCode2: totpCode(seed, now),
    }),
  );
});

let mfaSession: Credentials;

test('a session token with MFA is allowed what long-term keys were denied; the same code is refused twice', async () => {
  await server.advanceClock(30); // a fresh time step: codes already used are never accepted again
  const code = totpCode(seed, server.now());
  const session = await server
    .sts(dave)
    .send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code }));
  mfaSession = temporary(session.Credentials);
  const users = await server.iam(mfaSession).send(new ListUsersCommand({}));
  assert.ok(users.Users?.some((u) => u.UserName === 'erin'));
  const replay = await awsError(
    server.sts(dave).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code })),
  );
  assert.deepEqual(replay, {
    code: 'AccessDenied',
    message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    status: 403,
  });
});

test('a role whose trust policy requires MFA is assumed only by an MFA session', async () => {
  const roleArn = `arn:aws:iam::${account}:role/admin-with-mfa`;
  const without = await awsError(
    server.sts(dave).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'no-mfa' })),
  );
  assert.equal(without.code, 'AccessDenied');
  const withMfa = await server
    .sts(mfaSession)
    .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'with-mfa' }));
  assert.equal(withMfa.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/admin-with-mfa/with-mfa`);
  await server.advanceClock(30);
  const direct = await server.sts(dave).send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: 'direct-mfa',
      SerialNumber: serial,
      TokenCode: totpCode(seed, server.now()),
    }),
  );
  assert.ok(direct.Credentials?.SessionToken);
});

test('the credential report shows mfa_active true for the user with MFA and false for the other', async () => {
  const iam = server.iam();
  let state: string | undefined;
  for (let i = 0; i < 20 && state !== 'COMPLETE'; i++)
    state = (await iam.send(new GenerateCredentialReportCommand({}))).State;
  assert.equal(state, 'COMPLETE');
  const report = await iam.send(new GetCredentialReportCommand({}));
  // The seed blog's approach: decode, split lines, split on commas, zip with the header.
  const [header, ...rows] = Buffer.from(report.Content!)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','));
  const byUser = new Map(
    rows.map((row) => [row[0], Object.fromEntries(header!.map((column, i) => [column, row[i]]))]),
  );
  assert.equal(byUser.get('dave')?.mfa_active, 'true');
  assert.equal(byUser.get('erin')?.mfa_active, 'false');
});

test('repeated wrong codes on GetSessionToken are throttled: then even the right code is refused', async () => {
  for (let i = 0; i < 5; i++) {
    const wrong = await awsError(
      server.sts(dave).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: '000000' })),
    );
    assert.equal(wrong.code, 'AccessDenied');
  }
  await server.advanceClock(30);
  const refused = await awsError(
    server
      .sts(dave)
      .send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totpCode(seed, server.now()) })),
  );
  assert.equal(refused.code, 'AccessDenied');
});
