// Managed policies decide what a user may do: attached directly or through a group, customer or AWS
// managed, the default version counts, and detaching takes the permission away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  ListPoliciesCommand,
  ListUsersCommand,
  SetDefaultPolicyVersionCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
let root: IAMClient;
const ACCOUNT = ROOT.accountId;

async function userWithKey(name: string): Promise<IAMClient> {
  await root.send(new CreateUserCommand({ UserName: name }));
  const key = await root.send(new CreateAccessKeyCommand({ UserName: name }));
  return server.iam({
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  });
}

function allow(...actions: string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  });
}

const deniedCreateUser = (user: string, target: string) => ({
  code: 'AccessDenied',
  message: `User: arn:aws:iam::${ACCOUNT}:user/${user} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCOUNT}:user/${target} because no identity-based policy allows the iam:CreateUser action`,
  status: 403,
});

before(async () => {
  server = await startServer();
  root = server.iam();
});
after(async () => {
  await server?.stop();
});

test('a customer policy allowing iam:ListUsers allows ListUsers and nothing else; detaching takes it away', async () => {
  const dana = await userWithKey('dana');
  const arn = `arn:aws:iam::${ACCOUNT}:policy/ListUsersOnly`;
  await root.send(
    new CreatePolicyCommand({ PolicyName: 'ListUsersOnly', PolicyDocument: allow('iam:ListUsers') }),
  );
  assert.equal((await awsError(dana.send(new ListUsersCommand({})))).code, 'AccessDenied');

  await root.send(new AttachUserPolicyCommand({ UserName: 'dana', PolicyArn: arn }));
  const listed = await dana.send(new ListUsersCommand({}));
  assert.ok(listed.Users?.some((u) => u.UserName === 'dana'));
  assert.deepEqual(
    await awsError(dana.send(new CreateUserCommand({ UserName: 'X' }))),
    deniedCreateUser('dana', 'X'),
  );

  await root.send(new DetachUserPolicyCommand({ UserName: 'dana', PolicyArn: arn }));
  const denied = await awsError(dana.send(new ListUsersCommand({})));
  assert.equal(denied.code, 'AccessDenied');
  assert.equal(denied.status, 403);
  assert.match(denied.message, /is not authorized to perform: iam:ListUsers/);
});

test('the default version is what counts: SetDefaultPolicyVersion to a narrower version narrows the user', async () => {
  const erin = await userWithKey('erin');
  const arn = `arn:aws:iam::${ACCOUNT}:policy/Widening`;
  await root.send(
    new CreatePolicyCommand({ PolicyName: 'Widening', PolicyDocument: allow('iam:ListUsers') }),
  );
  await root.send(new AttachUserPolicyCommand({ UserName: 'erin', PolicyArn: arn }));
  assert.deepEqual(
    await awsError(erin.send(new CreateUserCommand({ UserName: 'Y' }))),
    deniedCreateUser('erin', 'Y'),
  );

  // A new version not set as default changes nothing.
  await root.send(
    new CreatePolicyVersionCommand({
      PolicyArn: arn,
      PolicyDocument: allow('iam:ListUsers', 'iam:CreateUser'),
    }),
  );
  assert.equal((await awsError(erin.send(new CreateUserCommand({ UserName: 'Y' })))).code, 'AccessDenied');

  await root.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
  await erin.send(new CreateUserCommand({ UserName: 'Y' }));

  await root.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
  assert.deepEqual(
    await awsError(erin.send(new CreateUserCommand({ UserName: 'Z' }))),
    deniedCreateUser('erin', 'Z'),
  );
  await erin.send(new ListUsersCommand({}));
});

test('an attached AWS managed policy is enforced with its real document', async () => {
  const frank = await userWithKey('frank');
  await root.send(
    new AttachUserPolicyCommand({
      UserName: 'frank',
      PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2FullAccess',
    }),
  );
  // AmazonEC2FullAccess grants no IAM listing.
  assert.equal((await awsError(frank.send(new ListUsersCommand({})))).code, 'AccessDenied');
  await root.send(
    new AttachUserPolicyCommand({
      UserName: 'frank',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  await frank.send(new ListUsersCommand({}));
  assert.deepEqual(
    await awsError(frank.send(new CreateUserCommand({ UserName: 'X' }))),
    deniedCreateUser('frank', 'X'),
  );
  const policy = await frank.send(
    new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
  );
  assert.equal(policy.Policy?.PolicyName, 'AdministratorAccess');

  await root.send(
    new AttachUserPolicyCommand({
      UserName: 'frank',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  await frank.send(new CreateUserCommand({ UserName: 'made-by-frank' }));
  await root.send(
    new DetachUserPolicyCommand({
      UserName: 'frank',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  assert.equal((await awsError(frank.send(new CreateUserCommand({ UserName: 'X' })))).code, 'AccessDenied');
});

test('a policy attached to a group applies to its members', async () => {
  const gina = await userWithKey('gina');
  await root.send(new CreateGroupCommand({ GroupName: 'readers' }));
  await root.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'gina' }));
  await root.send(
    new AttachGroupPolicyCommand({
      GroupName: 'readers',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  await gina.send(new ListUsersCommand({}));
  await root.send(
    new DetachGroupPolicyCommand({
      GroupName: 'readers',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  assert.equal((await awsError(gina.send(new ListUsersCommand({})))).code, 'AccessDenied');
});

test('a user without permission is denied policy operations with AWS messages', async () => {
  const hank = await userWithKey('hank');
  assert.deepEqual(await awsError(hank.send(new ListPoliciesCommand({}))), {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ACCOUNT}:user/hank is not authorized to perform: iam:ListPolicies on resource: policy path / because no identity-based policy allows the iam:ListPolicies action`,
    status: 403,
  });
  // Denied before the policy's existence is revealed.
  const missing = `arn:aws:iam::${ACCOUNT}:policy/DoesNotExist`;
  assert.deepEqual(await awsError(hank.send(new GetPolicyCommand({ PolicyArn: missing }))), {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ACCOUNT}:user/hank is not authorized to perform: iam:GetPolicy on resource: ${missing} because no identity-based policy allows the iam:GetPolicy action`,
    status: 403,
  });
  assert.deepEqual(
    await awsError(
      hank.send(
        new AttachUserPolicyCommand({
          UserName: 'hank',
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      ),
    ),
    {
      code: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCOUNT}:user/hank is not authorized to perform: iam:AttachUserPolicy on resource: arn:aws:iam::${ACCOUNT}:user/hank because no identity-based policy allows the iam:AttachUserPolicy action`,
      status: 403,
    },
  );
});

test('iam:PolicyARN limits which policies a delegated admin may attach', async () => {
  const ivan = await userWithKey('ivan');
  await root.send(new CreateUserCommand({ UserName: 'intern' }));
  await root.send(
    new CreatePolicyCommand({
      PolicyName: 'AttachReadOnlyOnly',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:AttachUserPolicy',
            Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
            Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' } },
          },
        ],
      }),
    }),
  );
  await root.send(
    new AttachUserPolicyCommand({
      UserName: 'ivan',
      PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/AttachReadOnlyOnly`,
    }),
  );
  await ivan.send(
    new AttachUserPolicyCommand({
      UserName: 'intern',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    }),
  );
  const denied = await awsError(
    ivan.send(
      new AttachUserPolicyCommand({
        UserName: 'intern',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    ),
  );
  assert.equal(denied.code, 'AccessDenied');
  assert.match(denied.message, /iam:AttachUserPolicy on resource: arn:aws:iam::123456789012:user\/intern/);
});
