// The enforcement story, driven as a user sees it: every call is decided by the caller's
// identity-based policies, and a denial says which action, which resource and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteAccessKeyCommand,
  EnableMFADeviceCommand,
  DeleteUserPolicyCommand,
  GetAccountSummaryCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListGroupsCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { totpCode, totpStep } from '../../../src/crypto/totp.ts';
import { DENY_ALL_EXCEPT_LISTED_IF_NO_MFA, SELF_SERVICE_STATEMENTS } from '../../fixtures/seed-policies.ts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const ACCOUNT = ROOT.accountId;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function userWithKey(name: string): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return {
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  };
}

function noAllow(user: string, action: string, resource?: string): string {
  const on = resource === undefined ? '' : ` on resource: ${resource}`;
  return `User: ${userArn(user)} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`;
}

function explicitDeny(user: string, action: string, resource?: string): string {
  const on = resource === undefined ? '' : ` on resource: ${resource}`;
  return `User: ${userArn(user)} is not authorized to perform: ${action}${on} with an explicit deny in an identity-based policy`;
}

test('a user with no policy is denied, with the action, the resource and "no identity-based policy allows"', async () => {
  const asNobody = server.iam(await userWithKey('nobody'));
  assert.deepEqual(await awsError(asNobody.send(new GetUserCommand({ UserName: 'nobody' }))), {
    code: 'AccessDenied',
    message: noAllow('nobody', 'iam:GetUser', userArn('nobody')),
    status: 403,
  });
  assert.deepEqual(await awsError(asNobody.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: noAllow('nobody', 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    status: 403,
  });
  // Authorization comes first: a user without permission learns nothing about what exists.
  assert.deepEqual(await awsError(asNobody.send(new GetUserCommand({ UserName: 'no-such-user' }))), {
    code: 'AccessDenied',
    message: noAllow('nobody', 'iam:GetUser', userArn('no-such-user')),
    status: 403,
  });
  assert.deepEqual(await awsError(asNobody.send(new GetAccountSummaryCommand({}))), {
    code: 'AccessDenied',
    message: noAllow('nobody', 'iam:GetAccountSummary'),
    status: 403,
  });
});

test('an inline policy that allows the action lets the call through', async () => {
  const creds = await userWithKey('inliner');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'inliner',
      PolicyName: 'read-users',
      PolicyDocument: policy({ Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListUsers'], Resource: '*' }),
    }),
  );
  const asUser = server.iam(creds);
  assert.equal((await asUser.send(new GetUserCommand({ UserName: 'nobody' }))).User?.UserName, 'nobody');
  assert.ok((await asUser.send(new ListUsersCommand({}))).Users!.length >= 2);
  // Only what the policy names: another action stays denied.
  assert.equal((await awsError(asUser.send(new ListGroupsCommand({})))).code, 'AccessDenied');
  // Once the policy is removed, the next call is denied again.
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'inliner', PolicyName: 'read-users' }));
  assert.deepEqual(await awsError(asUser.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: noAllow('inliner', 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    status: 403,
  });
});

test('a customer managed policy, an AWS managed policy and a group policy each allow what they say', async () => {
  const creds = await userWithKey('managed');
  const asUser = server.iam(creds);
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'list-groups',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:ListGroups', Resource: '*' }),
    }),
  );
  assert.equal((await awsError(asUser.send(new ListGroupsCommand({})))).code, 'AccessDenied');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'managed', PolicyArn: created.Policy!.Arn }));
  await asUser.send(new ListGroupsCommand({}));

  assert.equal((await awsError(asUser.send(new ListRolesCommand({})))).code, 'AccessDenied');
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'managed',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  await asUser.send(new ListRolesCommand({}));

  const member = await userWithKey('member');
  await iam.send(new CreateGroupCommand({ GroupName: 'readers' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'readers',
      PolicyName: 'read-users',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }),
    }),
  );
  assert.equal((await awsError(server.iam(member).send(new ListUsersCommand({})))).code, 'AccessDenied');
  await iam.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'member' }));
  await server.iam(member).send(new ListUsersCommand({}));
});

test('an explicit Deny wins over any Allow, and says so', async () => {
  const creds = await userWithKey('denied');
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'denied',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  const asUser = server.iam(creds);
  await asUser.send(new GetUserCommand({ UserName: 'nobody' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'denied',
      PolicyName: 'no-get-user',
      PolicyDocument: policy({ Effect: 'Deny', Action: 'iam:GetUser', Resource: '*' }),
    }),
  );
  assert.deepEqual(await awsError(asUser.send(new GetUserCommand({ UserName: 'nobody' }))), {
    code: 'AccessDenied',
    message: explicitDeny('denied', 'iam:GetUser', userArn('nobody')),
    status: 403,
  });
  // The rest of the read-only policy still applies.
  await asUser.send(new ListUsersCommand({}));
});

test("seed 002's self-service statements let a user manage its own access keys and no one else's", async () => {
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'SelfServiceOnly',
      PolicyDocument: policy(...SELF_SERVICE_STATEMENTS),
    }),
  );
  const creds = await userWithKey('selfservice');
  await userWithKey('bystander');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'selfservice', PolicyArn: created.Policy!.Arn }));
  const asUser = server.iam(creds);

  // Its own keys, named or implied.
  const listed = await asUser.send(new ListAccessKeysCommand({}));
  assert.deepEqual(
    listed.AccessKeyMetadata?.map((k) => k.AccessKeyId),
    [creds.accessKeyId],
  );
  const second = await asUser.send(new CreateAccessKeyCommand({ UserName: 'selfservice' }));
  const secondId = second.AccessKey!.AccessKeyId!;
  await asUser.send(new UpdateAccessKeyCommand({ AccessKeyId: secondId, Status: 'Inactive' }));
  await asUser.send(new DeleteAccessKeyCommand({ AccessKeyId: secondId }));
  assert.equal((await asUser.send(new GetUserCommand({}))).User?.UserName, 'selfservice');

  // Anyone else's: no statement matches that user's ARN.
  for (const [call, action] of [
    [new ListAccessKeysCommand({ UserName: 'bystander' }), 'iam:ListAccessKeys'],
    [new CreateAccessKeyCommand({ UserName: 'bystander' }), 'iam:CreateAccessKey'],
    [new GetUserCommand({ UserName: 'bystander' }), 'iam:GetUser'],
  ] as const) {
    assert.deepEqual(await awsError(asUser.send(call as ListAccessKeysCommand)), {
      code: 'AccessDenied',
      message: noAllow('selfservice', action, userArn('bystander')),
      status: 403,
    });
  }
  // Nor anything outside the listed actions.
  assert.equal((await awsError(asUser.send(new ListUsersCommand({})))).code, 'AccessDenied');
});

test("seed 002's whole policy: with long-term keys (no MFA) only the listed actions get through", async () => {
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ForceMFA',
      PolicyDocument: policy(...SELF_SERVICE_STATEMENTS, DENY_ALL_EXCEPT_LISTED_IF_NO_MFA),
    }),
  );
  const creds = await userWithKey('testuser');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'testuser', PolicyArn: created.Policy!.Arn }));
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'testuser',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  await iam.send(
    new CreateLoginProfileCommand({
      UserName: 'testuser',
      Password: 'First-Password-1',
      PasswordResetRequired: true,
    }),
  );
  const asUser = server.iam(creds);
  // aws:MultiFactorAuthPresent is absent for long-term keys, so BoolIfExists ... false matches:
  // everything outside NotAction is denied, even what another policy allows.
  assert.deepEqual(await awsError(asUser.send(new ListAccessKeysCommand({}))), {
    code: 'AccessDenied',
    message: explicitDeny('testuser', 'iam:ListAccessKeys', userArn('testuser')),
    status: 403,
  });
  assert.deepEqual(await awsError(asUser.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: explicitDeny('testuser', 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    status: 403,
  });
  assert.deepEqual(await awsError(asUser.send(new GetAccountSummaryCommand({}))), {
    code: 'AccessDenied',
    message: explicitDeny('testuser', 'iam:GetAccountSummary'),
    status: 403,
  });
  // What NotAction exempts still works: reading itself and the forced first password change.
  assert.equal((await asUser.send(new GetUserCommand({}))).User?.UserName, 'testuser');
  await asUser.send(
    new ChangePasswordCommand({ OldPassword: 'First-Password-1', NewPassword: 'Second-Password-2' }),
  );
});

test("seed 002's whole policy: after enrolling its own MFA device, an MFA session manages its own keys and no one else's", async () => {
  const policyArn = `arn:aws:iam::${ACCOUNT}:policy/ForceMFA`;
  const creds = await userWithKey('mfauser');
  await iam.send(new AttachUserPolicyCommand({ UserName: 'mfauser', PolicyArn: policyArn }));
  const asUser = server.iam(creds);
  // Enrolment is among the actions allowed without MFA, on the user's own device only.
  assert.equal(
    (await awsError(asUser.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'someone-else' }))))
      .code,
    'AccessDenied',
  );
  const device = await asUser.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfauser' }));
  const serial = device.VirtualMFADevice!.SerialNumber!;
  const seed = Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('utf8');
  const step = totpStep(Date.now());
  await asUser.send(
    new EnableMFADeviceCommand({
      UserName: 'mfauser',
      SerialNumber: serial,
      AuthenticationCode1: totpCode(seed, (step - 1) * 30_000),
      AuthenticationCode2: totpCode(seed, step * 30_000),
    }),
  );
  // Still no MFA on the long-term key itself.
  assert.equal((await awsError(asUser.send(new ListAccessKeysCommand({})))).code, 'AccessDenied');
  const session = await server
    .sts(creds)
    .send(
      new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totpCode(seed, (step + 1) * 30_000) }),
    );
  const asMfaSession = server.iam({
    accessKeyId: session.Credentials!.AccessKeyId!,
    secretAccessKey: session.Credentials!.SecretAccessKey!,
    sessionToken: session.Credentials!.SessionToken!,
  });
  const own = await asMfaSession.send(new ListAccessKeysCommand({}));
  assert.deepEqual(
    own.AccessKeyMetadata?.map((k) => k.AccessKeyId),
    [creds.accessKeyId],
  );
  assert.deepEqual(await awsError(asMfaSession.send(new ListAccessKeysCommand({ UserName: 'bystander' }))), {
    code: 'AccessDenied',
    message: noAllow('mfauser', 'iam:ListAccessKeys', userArn('bystander')),
    status: 403,
  });
  // With MFA the deny no longer applies, so what the policy allows works: the account summary.
  await asMfaSession.send(new GetAccountSummaryCommand({}));
});

test('aws:MultiFactorAuthPresent is absent for long-term keys: a Bool Deny on false does not deny, BoolIfExists does', async () => {
  const creds = await userWithKey('mfa-probe');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mfa-probe',
      PolicyName: 'allow',
      PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }),
    }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mfa-probe',
      PolicyName: 'deny-without-mfa',
      PolicyDocument: policy({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      }),
    }),
  );
  const asUser = server.iam(creds);
  // The key is absent, so Bool does not match and the Deny does not apply.
  await asUser.send(new ListUsersCommand({}));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mfa-probe',
      PolicyName: 'deny-without-mfa',
      PolicyDocument: policy({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      }),
    }),
  );
  assert.deepEqual(await awsError(asUser.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: explicitDeny('mfa-probe', 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    status: 403,
  });
});
