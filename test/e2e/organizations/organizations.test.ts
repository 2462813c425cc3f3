// AWS Organizations over its JSON protocol, driven by the real SDK and the AWS CLI: the bootstrap
// account becomes the management account, creates member account B (a real account: its own root,
// OrganizationAccountAccessRole trusting the management account), and people cross between the
// two accounts with AssumeRole exactly as AWS lets them — both the trust policy in B and an
// identity policy in A must allow it; each account's IAM is its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DeleteOrganizationCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  ListRootsCommand,
  type Account,
  type CreateAccountStatus,
} from '@aws-sdk/client-organizations';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const A = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const temporary = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

let server: Server;
let admin: Credentials;
let orgId = '';
let accountB = '';

async function userWithKey(iam: ReturnType<Server['iam']>, name: string): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

/** CreateAccount answers IN_PROGRESS at once; the request completes shortly after, as on AWS. */
async function createAccount(email: string, name: string, roleName?: string): Promise<CreateAccountStatus> {
  const client = server.organizations();
  const started = await client.send(
    new CreateAccountCommand({
      Email: email,
      AccountName: name,
      ...(roleName ? { RoleName: roleName } : {}),
    }),
  );
  assert.equal(started.CreateAccountStatus!.State, 'IN_PROGRESS');
  assert.match(started.CreateAccountStatus!.Id!, /^car-[a-z0-9]{8,32}$/);
  for (let i = 0; i < 100; i++) {
    const { CreateAccountStatus: status } = await client.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id }),
    );
    if (status!.State !== 'IN_PROGRESS') return status!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the account was never created');
}

async function allAccounts(pageSize: number): Promise<Account[]> {
  const found: Account[] = [];
  let token: string | undefined;
  do {
    const page = await server
      .organizations()
      .send(new ListAccountsCommand({ MaxResults: pageSize, NextToken: token }));
    assert.ok((page.Accounts ?? []).length <= pageSize);
    found.push(...(page.Accounts ?? []));
    token = page.NextToken;
  } while (token);
  return found;
}

before(async () => {
  server = await startServer();
  const iam = server.iam();
  admin = await userWithKey(iam, 'admin');
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
});

after(async () => {
  await server?.stop();
});

test('an account in no organization: AWSOrganizationsNotInUseException', async () => {
  const described = await awsError(server.organizations().send(new DescribeOrganizationCommand({})));
  assert.equal(described.code, 'AWSOrganizationsNotInUseException');
  assert.equal(described.message, 'Your account is not a member of an organization.');
  assert.equal(described.status, 400);
  const created = await awsError(
    server.organizations().send(new CreateAccountCommand({ Email: 'b@example.com', AccountName: 'B' })),
  );
  assert.equal(created.code, 'AWSOrganizationsNotInUseException');
});

test('Organizations calls are authorized by the caller’s policies', async () => {
  const iam = server.iam();
  const carol = await userWithKey(iam, 'carol');
  const denied = await awsError(
    server.organizations(carol).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' })),
  );
  assert.equal(denied.code, 'AccessDeniedException');
  // AWS leaves "on resource: …" out when the action takes no resource.
  assert.equal(
    denied.message,
    `User: arn:aws:iam::${A}:user/carol is not authorized to perform: organizations:CreateOrganization because no identity-based policy allows the organizations:CreateOrganization action`,
  );
});

test('DeleteOrganization removes an organization without member accounts', async () => {
  const { Organization: first } = await server.organizations(admin).send(new CreateOrganizationCommand({}));
  assert.equal(first!.FeatureSet, 'ALL');
  await server.organizations(admin).send(new DeleteOrganizationCommand({}));
  const gone = await awsError(server.organizations().send(new DescribeOrganizationCommand({})));
  assert.equal(gone.code, 'AWSOrganizationsNotInUseException');
});

test('CreateOrganization makes the caller’s account the management account, with a root', async () => {
  const { Organization: org } = await server
    .organizations(admin)
    .send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  orgId = org!.Id!;
  assert.match(orgId, /^o-[a-z0-9]{10,32}$/);
  assert.equal(org!.Arn, `arn:aws:organizations::${A}:organization/${orgId}`);
  assert.equal(org!.FeatureSet, 'ALL');
  assert.equal(org!.MasterAccountId, A);
  assert.equal(org!.MasterAccountArn, `arn:aws:organizations::${A}:account/${orgId}/${A}`);
  assert.equal(org!.MasterAccountEmail, ROOT.email);

  const again = await awsError(server.organizations().send(new CreateOrganizationCommand({})));
  assert.equal(again.code, 'AlreadyInOrganizationException');

  const { Organization: described } = await server.organizations().send(new DescribeOrganizationCommand({}));
  assert.equal(described!.Id, orgId);

  const { Roots: roots } = await server.organizations().send(new ListRootsCommand({}));
  assert.equal(roots!.length, 1);
  assert.match(roots![0]!.Id!, /^r-[0-9a-z]{4,32}$/);
  assert.equal(roots![0]!.Arn, `arn:aws:organizations::${A}:root/${orgId}/${roots![0]!.Id}`);
  assert.equal(roots![0]!.Name, 'Root');

  const accounts = await allAccounts(20);
  assert.deepEqual(
    accounts.map((a) => [a.Id, a.Email, a.JoinedMethod, a.Status]),
    [[A, ROOT.email, 'INVITED', 'ACTIVE']],
  );
});

test('CreateAccount makes a real account with OrganizationAccountAccessRole', async () => {
  const status = await createAccount('b-root@example.com', 'Workloads B');
  assert.equal(status.State, 'SUCCEEDED');
  assert.equal(status.AccountName, 'Workloads B');
  assert.match(status.AccountId!, /^\d{12}$/);
  assert.ok(status.CompletedTimestamp instanceof Date);
  accountB = status.AccountId!;

  const { Account: b } = await server
    .organizations()
    .send(new DescribeAccountCommand({ AccountId: accountB }));
  assert.equal(b!.Arn, `arn:aws:organizations::${A}:account/${orgId}/${accountB}`);
  assert.equal(b!.Email, 'b-root@example.com');
  assert.equal(b!.Name, 'Workloads B');
  assert.equal(b!.JoinedMethod, 'CREATED');

  const listed = await server
    .organizations()
    .send(new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'] }));
  assert.deepEqual(
    listed.CreateAccountStatuses!.map((s) => s.AccountId),
    [accountB],
  );

  // The same e-mail address cannot own a second account: the request fails, as AWS reports it.
  const duplicate = await createAccount('B-ROOT@example.com', 'Again');
  assert.equal(duplicate.State, 'FAILED');
  assert.equal(duplicate.FailureReason, 'EMAIL_ALREADY_EXISTS');
  const failed = await server
    .organizations()
    .send(new ListCreateAccountStatusCommand({ States: ['FAILED'] }));
  assert.equal(failed.CreateAccountStatuses!.length, 1);

  const missing = await awsError(
    server.organizations().send(new DescribeAccountCommand({ AccountId: '999999999999' })),
  );
  assert.equal(missing.code, 'AccountNotFoundException');
  const malformed = await awsError(
    server.organizations().send(new DescribeAccountCommand({ AccountId: '12345' })),
  );
  assert.equal(malformed.code, 'InvalidInputException');
  const noEmail = await awsError(
    server.organizations().send(new CreateAccountCommand({ Email: 'not-an-address', AccountName: 'X' })),
  );
  assert.equal(noEmail.code, 'InvalidInputException');
  const unknown = await awsError(
    server
      .organizations()
      .send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: 'car-0123456789abcdef' })),
  );
  assert.equal(unknown.code, 'CreateAccountStatusNotFoundException');
  const notEmpty = await awsError(server.organizations().send(new DeleteOrganizationCommand({})));
  assert.equal(notEmpty.code, 'OrganizationNotEmptyException');
});

test('across accounts: B’s role is assumed from A, and both sides must allow AssumeRole', async () => {
  // The management account's administrator takes B's OrganizationAccountAccessRole.
  const intoB = await server.sts(admin).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'setup',
    }),
  );
  const inB = temporary(intoB.Credentials);
  const whoInB = await server.sts(inB).send(new GetCallerIdentityCommand({}));
  assert.equal(whoInB.Account, accountB);
  assert.equal(whoInB.Arn, `arn:aws:sts::${accountB}:assumed-role/OrganizationAccountAccessRole/setup`);

  const iamB = server.iam(inB);
  const { Role: made } = await iamB.send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(made!.AssumeRolePolicyDocument!)), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }],
  });
  const attached = await iamB.send(
    new ListAttachedRolePoliciesCommand({ RoleName: 'OrganizationAccountAccessRole' }),
  );
  assert.deepEqual(
    attached.AttachedPolicies!.map((p) => p.PolicyArn),
    ['arn:aws:iam::aws:policy/AdministratorAccess'],
  );

  // Each account's IAM is its own: the same user name in both, each call in the caller's account.
  const iamA = server.iam();
  const aliceA = await userWithKey(iamA, 'alice');
  await iamB.send(new CreateUserCommand({ UserName: 'alice' }));
  const usersB = await iamB.send(new ListUsersCommand({}));
  assert.deepEqual(
    usersB.Users!.map((u) => u.Arn),
    [`arn:aws:iam::${accountB}:user/alice`],
  );
  const usersA = await iamA.send(new ListUsersCommand({}));
  assert.ok(usersA.Users!.some((u) => u.Arn === `arn:aws:iam::${A}:user/alice`));
  assert.ok(!usersA.Users!.some((u) => u.Arn!.includes(accountB)));

  // A role in B trusting A's alice, and one trusting only principals of another organization.
  for (const [name, org] of [
    ['shared', orgId],
    ['elsewhere', 'o-aaaaaaaaaa'],
  ] as const) {
    await iamB.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: policy([
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${A}:user/alice` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalOrgID': org } },
          },
        ]),
      }),
    );
  }
  const shared = `arn:aws:iam::${accountB}:role/shared`;

  // Trusted by B, but nothing in A allows alice to call AssumeRole: denied.
  const withoutAllow = await awsError(
    server.sts(aliceA).send(new AssumeRoleCommand({ RoleArn: shared, RoleSessionName: 'alice' })),
  );
  assert.equal(withoutAllow.code, 'AccessDenied');
  assert.match(withoutAllow.message, /not authorized to perform: sts:AssumeRole on resource/);

  await iamA.send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'cross-account',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [shared, `arn:aws:iam::${accountB}:role/elsewhere`],
        },
      ]),
    }),
  );
  const assumed = await server
    .sts(aliceA)
    .send(new AssumeRoleCommand({ RoleArn: shared, RoleSessionName: 'alice' }));
  const who = await server.sts(temporary(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Account, accountB);
  assert.equal(who.Arn, `arn:aws:sts::${accountB}:assumed-role/shared/alice`);

  // aws:PrincipalOrgID is alice's organization: a trust policy naming another one refuses her.
  const otherOrg = await awsError(
    server.sts(aliceA).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountB}:role/elsewhere`,
        RoleSessionName: 'alice',
      }),
    ),
  );
  assert.equal(otherOrg.code, 'AccessDenied');

  // B is a member: it sees its organization, and may neither create one nor create accounts.
  const { Organization: seenFromB } = await server
    .organizations(inB)
    .send(new DescribeOrganizationCommand({}));
  assert.equal(seenFromB!.Id, orgId);
  assert.equal(seenFromB!.MasterAccountId, A);
  const memberCreates = await awsError(
    server.organizations(inB).send(new CreateAccountCommand({ Email: 'c@example.com', AccountName: 'C' })),
  );
  assert.equal(memberCreates.code, 'AccessDeniedException');
  const memberOrganizes = await awsError(server.organizations(inB).send(new CreateOrganizationCommand({})));
  assert.equal(memberOrganizes.code, 'AlreadyInOrganizationException');
});

test('the AWS CLI creates an account and reads its status', async () => {
  const cli = async (...args: string[]) => {
    const { stdout } = await run(
      AWS,
      ['--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json', 'organizations', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: server.dataDir,
          AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
          AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    return JSON.parse(stdout) as Record<string, Record<string, string>>;
  };
  assert.equal((await cli('describe-organization')).Organization!.Id, orgId);
  const started = await cli('create-account', '--email', 'cli@example.com', '--account-name', 'From the CLI');
  const id = started.CreateAccountStatus!.Id!;
  let status = started.CreateAccountStatus!;
  for (let i = 0; i < 100 && status.State === 'IN_PROGRESS'; i++) {
    status = (await cli('describe-create-account-status', '--create-account-request-id', id))
      .CreateAccountStatus!;
  }
  assert.equal(status.State, 'SUCCEEDED');
  assert.match(status.AccountId!, /^\d{12}$/);
});

test('ListAccounts pages; the organization holds at most 10 accounts', async () => {
  // Three so far (management, B, the CLI's); seven more reach the default quota.
  // The first of them names its role: RoleName replaces OrganizationAccountAccessRole.
  const named = await createAccount('member-4@example.com', 'Member 4', 'OrgAdmin');
  assert.equal(named.State, 'SUCCEEDED');
  const asOrgAdmin = await server.sts(admin).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${named.AccountId}:role/OrgAdmin`,
      RoleSessionName: 'named',
    }),
  );
  assert.equal(
    (await server.sts(temporary(asOrgAdmin.Credentials)).send(new GetCallerIdentityCommand({}))).Account,
    named.AccountId,
  );
  for (let i = 5; i <= 10; i++) {
    assert.equal((await createAccount(`member-${i}@example.com`, `Member ${i}`)).State, 'SUCCEEDED');
  }
  const paged = await allAccounts(3);
  assert.equal(paged.length, 10);
  assert.equal(new Set(paged.map((a) => a.Id)).size, 10);
  assert.ok(paged.some((a) => a.Id === A) && paged.some((a) => a.Id === accountB));

  const over = await awsError(
    server
      .organizations()
      .send(new CreateAccountCommand({ Email: 'eleven@example.com', AccountName: 'Eleven' })),
  );
  assert.equal(over.code, 'ConstraintViolationException');
  assert.equal(over.message, 'You have reached the limit on the number of accounts in your organization.');

  const badToken = await awsError(
    server.organizations().send(new ListAccountsCommand({ NextToken: 'not a token' })),
  );
  assert.equal(badToken.code, 'InvalidInputException');
});

test('Organizations calls are in the audit trail, with organizations.amazonaws.com as their source', async () => {
  const trail = server.cloudTrail();
  for (let i = 0; i < 100; i++) {
    const { Events: events } = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateAccount' }],
      }),
    );
    const event = events?.find((e) => e.EventSource === 'organizations.amazonaws.com');
    if (event) {
      const record = JSON.parse(event.CloudTrailEvent!) as {
        eventSource: string;
        requestParameters: Record<string, string>;
      };
      assert.equal(record.eventSource, 'organizations.amazonaws.com');
      // The e-mail address and account name are sensitive in Organizations' model: CloudTrail hides them.
      assert.equal(record.requestParameters.email, 'HIDDEN_DUE_TO_SECURITY_REASONS');
      assert.equal(record.requestParameters.accountName, 'HIDDEN_DUE_TO_SECURITY_REASONS');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('no CreateAccount event from organizations.amazonaws.com');
});
