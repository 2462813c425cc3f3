// Centralized root access for member accounts, driven by the real SDK: the management account
// gives IAM trusted access, turns on root credentials management and root sessions (with IAM's
// errors for each missing step), then AssumeRoot opens a 15-minute root session in member account
// B, scoped by the root-task policy named: IAMCreateRootUserPassword sets B's root password and
// can do nothing else, IAMAuditRootUserCredentials reads it, IAMDeleteRootUserCredentials deletes it.
// The AWS CLI v2 opens one root session too (`aws sts assume-root`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
} from '@aws-sdk/client-organizations';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteLoginProfileCommand,
  DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import stsModel from '../../../src/protocols/aws-query/model/sts.json' with { type: 'json' };

const run = promisify(execFile);
const AWS = '/usr/bin/aws';

const A = ROOT.accountId;
const TASK = (name: string) => `arn:aws:iam::aws:policy/root-task/${name}`;
const PASSWORD = 'Member-Root-Password-1';

let server: Server;
let admin: Credentials;
let accountB = '';

function credentialsOf(c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }) {
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** A root session in B for one task, opened by the management account's administrator. */
async function rootSession(task: string): Promise<Credentials> {
  const { Credentials: c } = await server
    .sts(admin)
    .send(new AssumeRootCommand({ TargetPrincipal: accountB, TaskPolicyArn: { arn: TASK(task) } }));
  return credentialsOf(c!);
}

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'admin' }));
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }));
  admin = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
});

after(async () => {
  await server?.stop();
});

test('the root access features need an organization with IAM trusted access, managed by the caller', async () => {
  const iam = server.iam(admin);
  const noOrganization = await awsError(iam.send(new ListOrganizationsFeaturesCommand({})));
  assert.equal(noOrganization.code, 'OrganizationNotFoundException');
  assert.equal(noOrganization.status, 400);

  await server.organizations().send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const started = await server
    .organizations()
    .send(new CreateAccountCommand({ Email: 'b@example.com', AccountName: 'B' }));
  for (let i = 0; i < 100 && !accountB; i++) {
    const { CreateAccountStatus: status } = await server
      .organizations()
      .send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id }),
      );
    if (status!.State === 'SUCCEEDED') accountB = status!.AccountId!;
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(accountB, 'account B was created');

  const noTrustedAccess = await awsError(iam.send(new EnableOrganizationsRootSessionsCommand({})));
  assert.equal(noTrustedAccess.code, 'ServiceAccessNotEnabledException');
  assert.match(noTrustedAccess.message, /trusted access is not enabled for IAM/);

  await server
    .organizations(admin)
    .send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  const { EnabledServicePrincipals } = await server
    .organizations(admin)
    .send(new ListAWSServiceAccessForOrganizationCommand({}));
  assert.deepEqual(
    EnabledServicePrincipals!.map((s) => s.ServicePrincipal),
    ['iam.amazonaws.com'],
  );
  assert.ok(EnabledServicePrincipals![0]!.DateEnabled instanceof Date);

  const none = await iam.send(new ListOrganizationsFeaturesCommand({}));
  assert.deepEqual(none.EnabledFeatures, []);
  assert.match(none.OrganizationId!, /^o-[a-z0-9]{10,32}$/);
  const first = await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  assert.deepEqual(first.EnabledFeatures, ['RootCredentialsManagement']);
  const both = await iam.send(new EnableOrganizationsRootSessionsCommand({}));
  assert.deepEqual(both.EnabledFeatures, ['RootCredentialsManagement', 'RootSessions']);
  assert.equal(both.OrganizationId, none.OrganizationId);
  assert.deepEqual((await iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures, [
    'RootCredentialsManagement',
    'RootSessions',
  ]);

  // A member account's administrator is not the management account.
  const { Credentials: c } = await server.sts(admin).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'admin',
    }),
  );
  const inB = server.iam(credentialsOf(c!));
  const enable = await awsError(inB.send(new EnableOrganizationsRootSessionsCommand({})));
  assert.equal(enable.code, 'CallerIsNotManagementAccountException');
  const list = await awsError(inB.send(new ListOrganizationsFeaturesCommand({})));
  assert.equal(list.code, 'AccountNotManagementOrDelegatedAdministratorException');
});

test('AssumeRoot: a 15-minute root session in the member account, for the management account only', async () => {
  const sts = server.sts(admin);
  const { Credentials: c } = await sts.send(
    new AssumeRootCommand({
      TargetPrincipal: `arn:aws:iam::${accountB}:root`,
      TaskPolicyArn: { arn: TASK('IAMCreateRootUserPassword') },
    }),
  );
  assert.match(c!.AccessKeyId!, /^ASIA/);
  const lifetime = c!.Expiration!.getTime() - server.now();
  assert.ok(lifetime > 890_000 && lifetime <= 900_000, `expires in 900 s (${lifetime} ms)`);
  const identity = await server.sts(credentialsOf(c!)).send(new GetCallerIdentityCommand({}));
  assert.deepEqual(
    [identity.Account, identity.Arn, identity.UserId],
    [accountB, `arn:aws:iam::${accountB}:root`, accountB],
  );

  const shorter = await sts.send(
    new AssumeRootCommand({
      TargetPrincipal: accountB,
      TaskPolicyArn: { arn: TASK('IAMAuditRootUserCredentials') },
      DurationSeconds: 60,
    }),
  );
  assert.ok(shorter.Credentials!.Expiration!.getTime() - server.now() <= 60_000);

  const tooLong = await awsError(
    sts.send(
      new AssumeRootCommand({
        TargetPrincipal: accountB,
        TaskPolicyArn: { arn: TASK('IAMCreateRootUserPassword') },
        DurationSeconds: 901,
      }),
    ),
  );
  assert.equal(tooLong.code, 'ValidationError');
  const notATask = await awsError(
    sts.send(
      new AssumeRootCommand({
        TargetPrincipal: accountB,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      }),
    ),
  );
  assert.equal(notATask.code, 'ValidationError');
  const badTarget = await awsError(
    sts.send(
      new AssumeRootCommand({
        TargetPrincipal: 'not-an-account',
        TaskPolicyArn: { arn: TASK('IAMCreateRootUserPassword') },
      }),
    ),
  );
  assert.equal(badTarget.code, 'ValidationError');

  // Not the management account's own root, not an account outside the organization, not with root keys.
  for (const [credentials, target] of [
    [admin, A],
    [admin, '999988887777'],
    [ROOT, accountB],
  ] as const) {
    const refused = await awsError(
      server.sts(credentials).send(
        new AssumeRootCommand({
          TargetPrincipal: target,
          TaskPolicyArn: { arn: TASK('IAMCreateRootUserPassword') },
        }),
      ),
    );
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, new RegExp(`sts:AssumeRoot on resource: arn:aws:iam::${target}:root`));
  }

  // An IAM user needs sts:AssumeRoot in an identity policy, as for any action.
  await server.iam().send(new CreateUserCommand({ UserName: 'nobody' }));
  const key = await server.iam().send(new CreateAccessKeyCommand({ UserName: 'nobody' }));
  const nobody = {
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  };
  const unauthorized = await awsError(
    server.sts(nobody).send(
      new AssumeRootCommand({
        TargetPrincipal: accountB,
        TaskPolicyArn: { arn: TASK('IAMCreateRootUserPassword') },
      }),
    ),
  );
  assert.equal(unauthorized.code, 'AccessDenied');
  assert.match(unauthorized.message, /because no identity-based policy allows the sts:AssumeRoot action/);

  // sts:TaskPolicyArn lets a policy allow some tasks only.
  await server.iam().send(
    new PutUserPolicyCommand({
      UserName: 'nobody',
      PolicyName: 'AuditRootsOnly',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRoot',
            Resource: 'arn:aws:iam::*:root',
            Condition: { StringEquals: { 'sts:TaskPolicyArn': TASK('IAMAuditRootUserCredentials') } },
          },
        ],
      }),
    }),
  );
  const auditor = server.sts(nobody);
  await auditor.send(
    new AssumeRootCommand({
      TargetPrincipal: accountB,
      TaskPolicyArn: { arn: TASK('IAMAuditRootUserCredentials') },
    }),
  );
  const otherTask = await awsError(
    auditor.send(
      new AssumeRootCommand({
        TargetPrincipal: accountB,
        TaskPolicyArn: { arn: TASK('IAMCreateRootUserPassword') },
      }),
    ),
  );
  assert.equal(otherTask.code, 'AccessDenied');
});

test('IAMCreateRootUserPassword sets the member root password and nothing else', async () => {
  const iam = server.iam(await rootSession('IAMCreateRootUserPassword'));
  const none = await awsError(iam.send(new GetLoginProfileCommand({})));
  assert.equal(none.code, 'NoSuchEntity');

  const weak = await awsError(iam.send(new CreateLoginProfileCommand({ Password: 'short' })));
  assert.equal(weak.code, 'PasswordPolicyViolation');
  const { LoginProfile } = await iam.send(new CreateLoginProfileCommand({ Password: PASSWORD }));
  assert.equal(LoginProfile!.PasswordResetRequired, false);
  assert.ok(LoginProfile!.CreateDate instanceof Date);
  assert.ok((await iam.send(new GetLoginProfileCommand({}))).LoginProfile);
  const again = await awsError(iam.send(new CreateLoginProfileCommand({ Password: PASSWORD })));
  assert.equal(again.code, 'EntityAlreadyExists');

  // The task policy denies everything else: other actions, and its own actions on other users.
  const createUser = await awsError(iam.send(new CreateUserCommand({ UserName: 'intruder' })));
  assert.equal(createUser.code, 'AccessDenied');
  assert.equal(
    createUser.message,
    `User: arn:aws:iam::${accountB}:root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${accountB}:user/intruder with an explicit deny in an identity-based policy`,
  );
  const forUser = await awsError(
    iam.send(new CreateLoginProfileCommand({ UserName: 'someone', Password: PASSWORD })),
  );
  assert.equal(forUser.code, 'AccessDenied');
  assert.match(forUser.message, /with an explicit deny in an identity-based policy/);
  const remove = await awsError(iam.send(new DeleteLoginProfileCommand({})));
  assert.equal(remove.code, 'AccessDenied');

  // The password is kept only as a hash, and neither logged nor recorded.
  assert.ok(!(await server.storedBytes()).includes(PASSWORD));
  assert.ok(!server.output().includes(PASSWORD));
});

test('IAMAuditRootUserCredentials reads the root login profile; IAMDeleteRootUserCredentials deletes it', async () => {
  const audit = server.iam(await rootSession('IAMAuditRootUserCredentials'));
  assert.ok((await audit.send(new GetLoginProfileCommand({}))).LoginProfile);
  assert.deepEqual((await audit.send(new ListAccessKeysCommand({}))).AccessKeyMetadata, []);
  assert.deepEqual((await audit.send(new ListMFADevicesCommand({}))).MFADevices, []);
  assert.equal((await audit.send(new GetUserCommand({}))).User!.Arn, `arn:aws:iam::${accountB}:root`);
  assert.equal((await awsError(audit.send(new ListUsersCommand({})))).code, 'AccessDenied');
  assert.equal((await awsError(audit.send(new DeleteLoginProfileCommand({})))).code, 'AccessDenied');

  const remove = server.iam(await rootSession('IAMDeleteRootUserCredentials'));
  await remove.send(new DeleteLoginProfileCommand({}));
  assert.equal((await awsError(remove.send(new GetLoginProfileCommand({})))).code, 'NoSuchEntity');
  assert.equal((await awsError(remove.send(new DeleteLoginProfileCommand({})))).code, 'NoSuchEntity');
});

test('the AWS CLI v2 opens a root session with `aws sts assume-root`', async () => {
  // Debian's CLI v2 predates AssumeRoot (CLI 2.22): it is given AWS's STS model, the one Portcullis
  // decodes by, with `aws configure add-model`, as the CLI lets any newer model be added.
  const home = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
  try {
    const model = structuredClone(stsModel) as { operations: Record<string, Record<string, unknown>> };
    for (const operation of Object.values(model.operations)) {
      operation.http = { method: 'POST', requestUri: '/' };
      operation.errors = ((operation.errors as string[] | undefined) ?? []).map((shape) => ({ shape }));
    }
    writeFileSync(join(home, 'sts.json'), JSON.stringify(model));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
    };
    await run(
      AWS,
      [
        'configure',
        'add-model',
        '--service-model',
        `file://${join(home, 'sts.json')}`,
        '--service-name',
        'sts',
      ],
      { env },
    );
    const version = await run(AWS, ['--version'], { env });
    assert.match(version.stdout + version.stderr, /aws-cli\/2\./);
    const { stdout } = await run(
      AWS,
      [
        '--endpoint-url',
        server.url,
        '--output',
        'json',
        'sts',
        'assume-root',
        '--target-principal',
        accountB,
        '--task-policy-arn',
        `arn=${TASK('IAMAuditRootUserCredentials')}`,
        '--duration-seconds',
        '300',
      ],
      { env },
    );
    const { Credentials: c } = JSON.parse(stdout) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
    };
    assert.ok(Date.parse(c.Expiration) - server.now() <= 300_000);
    const identity = await server.sts(credentialsOf(c)).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:iam::${accountB}:root`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("the root user's own keys must still name a user; disabling root sessions stops AssumeRoot", async () => {
  const named = await awsError(server.iam().send(new GetLoginProfileCommand({})));
  assert.equal(named.code, 'ValidationError');

  const iam = server.iam(admin);
  const { EnabledFeatures } = await iam.send(new DisableOrganizationsRootSessionsCommand({}));
  assert.deepEqual(EnabledFeatures, ['RootCredentialsManagement']);
  const refused = await awsError(rootSession('IAMCreateRootUserPassword'));
  assert.equal(refused.code, 'AccessDenied');
  await iam.send(new EnableOrganizationsRootSessionsCommand({}));
  await rootSession('IAMCreateRootUserPassword');

  // Without IAM's trusted access the features go too.
  await server
    .organizations(admin)
    .send(new DisableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  assert.equal(
    (await awsError(iam.send(new ListOrganizationsFeaturesCommand({})))).code,
    'ServiceAccessNotEnabledException',
  );
  assert.equal((await awsError(rootSession('IAMCreateRootUserPassword'))).code, 'AccessDenied');
});
