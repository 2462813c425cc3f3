// STS over the wire: session tokens, roles within the account (trust policy, external id, role
// chaining, session policies), federation tokens, and expiry — driven by the AWS SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetAccessKeyInfoCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { codeAt, consecutiveCodes, seedOf } from '../mfa/codes.ts';
import { ConsoleClient, signInRoot } from '../console/client.ts';

let server: Server;
let alice: Credentials;
const account = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const temporary = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'work',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: ['iam:ListUsers', 'iam:GetUser', 'sts:AssumeRole', 'sts:GetFederationToken'],
          Resource: '*',
        },
      ]),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'auditor',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'auditor',
      PolicyName: 'read',
      PolicyDocument: policy([
        { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetUser', 'sts:AssumeRole'], Resource: '*' },
      ]),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'vendor',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: policy([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/alice` },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'shared-secret-42' } },
        },
      ]),
    }),
  );
});
after(async () => {
  await server?.stop();
});

test('GetSessionToken gives ASIA credentials that identify as the user and expire as asked', async () => {
  const before = Date.now();
  const session = await server.sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const credentials = temporary(session.Credentials);
  assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
  const expiresIn = session.Credentials!.Expiration!.getTime() - before;
  assert.ok(expiresIn > 890_000 && expiresIn <= 901_000, `${expiresIn}`);
  const identity = await server.sts(credentials).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:iam::${account}:user/alice`);
});

test('GetSessionToken credentials without MFA cannot call IAM', async () => {
  const session = await server.sts(alice).send(new GetSessionTokenCommand({}));
  const error = await awsError(server.iam(temporary(session.Credentials)).send(new ListUsersCommand({})));
  assert.equal(error.code, 'InvalidClientTokenId');
});

test('temporary credentials cannot get a session token', async () => {
  const session = await server.sts(alice).send(new GetSessionTokenCommand({}));
  const error = await awsError(
    server.sts(temporary(session.Credentials)).send(new GetSessionTokenCommand({})),
  );
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: 'Cannot call GetSessionToken with session credentials',
    status: 403,
  });
});

test('a session token altered in one character is rejected', async () => {
  const session = await server.sts(alice).send(new GetSessionTokenCommand({}));
  const credentials = temporary(session.Credentials);
  const token = credentials.sessionToken!;
  const altered = { ...credentials, sessionToken: (token[5] === 'A' ? 'B' : 'A') + token.slice(1) };
  const error = await awsError(
    server
      .sts({ ...altered, sessionToken: token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6) })
      .send(new GetCallerIdentityCommand({})),
  );
  assert.equal(error.code, 'InvalidClientTokenId');
});

test('AssumeRole: the trust policy names the account, so the caller needs sts:AssumeRole; the session acts as the role', async () => {
  const assumed = await server
    .sts(alice)
    .send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/auditor`, RoleSessionName: 'audit-1' }),
    );
  assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/auditor/audit-1`);
  assert.match(assumed.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z0-9]{17}:audit-1$/);
  const role = temporary(assumed.Credentials);
  const identity = await server.sts(role).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:sts::${account}:assumed-role/auditor/audit-1`);
  assert.equal(identity.UserId, assumed.AssumedRoleUser?.AssumedRoleId);
  const users = await server.iam(role).send(new ListUsersCommand({}));
  assert.ok(users.Users?.some((u) => u.UserName === 'alice'));
  const denied = await awsError(server.iam(role).send(new CreateUserCommand({ UserName: 'intruder' })));
  assert.equal(denied.code, 'AccessDenied');
  assert.match(
    denied.message,
    new RegExp(
      `^User: arn:aws:sts::${account}:assumed-role/auditor/audit-1 is not authorized to perform: iam:CreateUser`,
    ),
  );
});

test('AssumeRole without the trust policy allowing it is AccessDenied naming the role', async () => {
  await server.iam().send(new CreateUserCommand({ UserName: 'bob' }));
  await server.iam().send(
    new PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'p',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
    }),
  );
  const key = await server.iam().send(new CreateAccessKeyCommand({ UserName: 'bob' }));
  const bob = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const error = await awsError(
    server.sts(bob).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/vendor`,
        RoleSessionName: 's1',
        ExternalId: 'shared-secret-42',
      }),
    ),
  );
  assert.equal(error.code, 'AccessDenied');
  assert.match(
    error.message,
    new RegExp(
      `User: arn:aws:iam::${account}:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/vendor`,
    ),
  );
});

test('AssumeRole with the right external id succeeds; a wrong or missing one is denied', async () => {
  const sts = server.sts(alice);
  const roleArn = `arn:aws:iam::${account}:role/vendor`;
  const ok = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'v1', ExternalId: 'shared-secret-42' }),
  );
  assert.ok(ok.Credentials?.SessionToken);
  for (const ExternalId of ['wrong-secret', undefined]) {
    const error = await awsError(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'v1', ExternalId })),
    );
    assert.equal(error.code, 'AccessDenied');
  }
});

test('DurationSeconds is bounded by the role and by role chaining', async () => {
  const sts = server.sts(alice);
  const longer = await awsError(
    sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/auditor`,
        RoleSessionName: 'x1',
        DurationSeconds: 7200,
      }),
    ),
  );
  assert.deepEqual(longer, {
    code: 'ValidationError',
    message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    status: 400,
  });
  const first = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/auditor`, RoleSessionName: 'one' }),
  );
  const chained = await awsError(
    server.sts(temporary(first.Credentials)).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/auditor`,
        RoleSessionName: 'two',
        DurationSeconds: 3601,
      }),
    ),
  );
  assert.equal(chained.code, 'ValidationError');
  assert.match(chained.message, /role chaining/);
});

test('a session policy narrows what the role session may do', async () => {
  const assumed = await server.sts(alice).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/auditor`,
      RoleSessionName: 'narrow',
      Policy: policy([{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]),
    }),
  );
  assert.ok((assumed.PackedPolicySize ?? 0) > 0);
  const role = temporary(assumed.Credentials);
  await server.iam(role).send(new GetUserCommand({ UserName: 'alice' }));
  const error = await awsError(server.iam(role).send(new ListUsersCommand({})));
  assert.equal(error.code, 'AccessDenied');
  assert.match(error.message, /because no session policy allows the iam:ListUsers action$/);
});

test('a federation token has only what both the user and its session policy allow', async () => {
  const token = await server.sts(alice).send(
    new GetFederationTokenCommand({
      Name: 'broker-guest',
      Policy: policy([{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }]),
    }),
  );
  assert.equal(token.FederatedUser?.Arn, `arn:aws:sts::${account}:federated-user/broker-guest`);
  assert.equal(token.FederatedUser?.FederatedUserId, `${account}:broker-guest`);
  const guest = temporary(token.Credentials);
  const identity = await server.sts(guest).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:sts::${account}:federated-user/broker-guest`);
  assert.equal((await awsError(server.iam(guest).send(new ListUsersCommand({})))).code, 'AccessDenied');
});

test('an expired session is rejected with ExpiredToken', async () => {
  const session = await server.sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const credentials = temporary(session.Credentials);
  await server.sts(credentials).send(new GetCallerIdentityCommand({}));
  await server.advanceClock(901);
  const error = await awsError(server.sts(credentials).send(new GetCallerIdentityCommand({})));
  assert.deepEqual(error, {
    code: 'ExpiredToken',
    message: 'The security token included in the request is expired',
    status: 403,
  });
});

test('an expired token stays ExpiredToken after its session is swept away; a forged one is invalid', async () => {
  const session = await server.sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  const credentials = temporary(session.Credentials);
  // Two days on, a console sign-in sweeps sessions expired more than a day ago.
  await server.advanceClock(2 * 86400);
  const console = new ConsoleClient(server.url);
  await signInRoot(console, ROOT.email, ROOT.password);
  const expired = await awsError(server.sts(credentials).send(new GetCallerIdentityCommand({})));
  assert.equal(expired.code, 'ExpiredToken', 'AWS answers ExpiredToken for an expired token, however old');
  // The same key id with a token this server did not issue for it is no expired token of ours.
  const forged = { ...credentials, sessionToken: Buffer.alloc(105, 7).toString('base64') };
  assert.equal(
    (await awsError(server.sts(forged).send(new GetCallerIdentityCommand({})))).code,
    'InvalidClientTokenId',
  );
});

test('aws:MultiFactorAuthAge grows with time: a policy that wants a fresh MFA sign-in stops allowing', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'mia' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mia',
      PolicyName: 'fresh-mfa',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: 'iam:GetUser',
          Resource: '*',
          Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '600' } },
        },
      ]),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'mia' }));
  const mia = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mia' }));
  const seed = seedOf(device.VirtualMFADevice!.Base32StringSeed);
  const serial = device.VirtualMFADevice!.SerialNumber!;
  const { code1, code2 } = consecutiveCodes(seed, server.now());
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'mia',
      SerialNumber: serial,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    }),
  );
  const session = await server
    .sts(mia)
    .send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: codeAt(seed, 1, server.now()) }));
  const withMfa = server.iam(temporary(session.Credentials));
  const allowed = await withMfa.send(new GetUserCommand({}));
  assert.equal(allowed.User?.UserName, 'mia');
  // Nothing is written in between: only the time moves.
  await server.advanceClock(601);
  const error = await awsError(withMfa.send(new GetUserCommand({})));
  assert.equal(error.code, 'AccessDenied');
});

test('session tags become principal tags; transitive ones carry over a role chain; SourceIdentity sticks', async () => {
  const iam = server.iam();
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'tagged',
      AssumeRolePolicyDocument: policy([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        },
      ]),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'tagged',
      PolicyName: 'by-tag',
      PolicyDocument: policy([
        { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'iam:GetUser',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } },
        },
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceIdentity': 'alice@example.com' } },
        },
      ]),
    }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'tagging',
      PolicyDocument: policy([
        { Effect: 'Allow', Action: ['sts:TagSession', 'sts:SetSourceIdentity'], Resource: '*' },
      ]),
    }),
  );
  const roleArn = `arn:aws:iam::${account}:role/tagged`;
  const blue = await server.sts(alice).send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: 'blue-1',
      Tags: [{ Key: 'team', Value: 'blue' }],
      TransitiveTagKeys: ['team'],
      SourceIdentity: 'alice@example.com',
    }),
  );
  assert.equal(blue.SourceIdentity, 'alice@example.com');
  const blueSession = temporary(blue.Credentials);
  await server.iam(blueSession).send(new GetUserCommand({ UserName: 'alice' }));
  await server.iam(blueSession).send(new ListUsersCommand({}));

  const red = temporary(
    (
      await server.sts(alice).send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'red-1',
          Tags: [{ Key: 'team', Value: 'red' }],
        }),
      )
    ).Credentials,
  );
  assert.equal(
    (await awsError(server.iam(red).send(new GetUserCommand({ UserName: 'alice' })))).code,
    'AccessDenied',
  );
  assert.equal((await awsError(server.iam(red).send(new ListUsersCommand({})))).code, 'AccessDenied');

  // Chained from the blue session: the transitive tag and the source identity come along.
  const chained = temporary(
    (
      await server
        .sts(blueSession)
        .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'blue-2' }))
    ).Credentials,
  );
  await server.iam(chained).send(new GetUserCommand({ UserName: 'alice' }));
  await server.iam(chained).send(new ListUsersCommand({}));
  const conflict = await awsError(
    server.sts(blueSession).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'blue-3',
        Tags: [{ Key: 'TEAM', Value: 'red' }],
      }),
    ),
  );
  assert.equal(conflict.code, 'InvalidParameterValue');
});

test('GetAccessKeyInfo names the account of a key it issued', async () => {
  await server.iam().send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'key-info',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:GetAccessKeyInfo', Resource: '*' }]),
    }),
  );
  const info = await server.sts(alice).send(new GetAccessKeyInfoCommand({ AccessKeyId: alice.accessKeyId }));
  assert.equal(info.Account, account);
});
