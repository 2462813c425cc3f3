// A member account leaves its organization as AWS lets it: the management account removes it
// (RemoveAccountFromOrganization: a standalone account from then on) or closes it (CloseAccount:
// SUSPENDED, still listed); the management account itself can do neither.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const A = ROOT.accountId;

let server: Server;
let rootId = '';

async function createAccount(email: string, name: string): Promise<string> {
  const started = await server
    .organizations()
    .send(new CreateAccountCommand({ Email: email, AccountName: name }));
  for (let i = 0; i < 100; i++) {
    const { CreateAccountStatus: status } = await server
      .organizations()
      .send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id }),
      );
    if (status!.State === 'SUCCEEDED') return status!.AccountId!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the account was never created');
}

before(async () => {
  server = await startServer();
  await server.organizations().send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  rootId = (await server.organizations().send(new ListRootsCommand({}))).Roots![0]!.Id!;
});

after(async () => {
  await server?.stop();
});

test('RemoveAccountFromOrganization: the account stays, standalone, with its IAM', async () => {
  const c = await createAccount('c@example.com', 'C');
  const ou = await server
    .organizations()
    .send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Leaving' }));
  await server.organizations().send(
    new MoveAccountCommand({
      AccountId: c,
      SourceParentId: rootId,
      DestinationParentId: ou.OrganizationalUnit!.Id,
    }),
  );
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'ops' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'ops' }));
  const ops = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'ops',
      PolicyName: 'assume',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
      }),
    }),
  );

  await server.organizations().send(new RemoveAccountFromOrganizationCommand({ AccountId: c }));
  const { Accounts } = await server.organizations().send(new ListAccountsCommand({}));
  assert.ok(!Accounts!.some((account) => account.Id === c));
  const gone = await awsError(server.organizations().send(new DescribeAccountCommand({ AccountId: c })));
  assert.equal(gone.code, 'AccountNotFoundException');
  const again = await awsError(
    server.organizations().send(new RemoveAccountFromOrganizationCommand({ AccountId: c })),
  );
  assert.equal(again.code, 'AccountNotFoundException');

  // Still an account: the role CreateAccount made is there, as on AWS, and trusts A as before.
  const into = await server.sts(ops).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${c}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'after',
    }),
  );
  const inC = {
    accessKeyId: into.Credentials!.AccessKeyId!,
    secretAccessKey: into.Credentials!.SecretAccessKey!,
    sessionToken: into.Credentials!.SessionToken!,
  };
  assert.equal((await server.sts(inC).send(new GetCallerIdentityCommand({}))).Account, c);
  // Outside any organization now.
  const notInUse = await awsError(server.organizations(inC).send(new ListAccountsCommand({})));
  assert.equal(notInUse.code, 'AWSOrganizationsNotInUseException');

  const management = await awsError(
    server.organizations().send(new RemoveAccountFromOrganizationCommand({ AccountId: A })),
  );
  assert.equal(management.code, 'MasterCannotLeaveOrganizationException');
});

test('CloseAccount: the account is SUSPENDED and still listed; closing twice or the management account fails', async () => {
  const d = await createAccount('d@example.com', 'D');
  await server.organizations().send(new CloseAccountCommand({ AccountId: d }));
  const { Account } = await server.organizations().send(new DescribeAccountCommand({ AccountId: d }));
  assert.equal(Account!.Status, 'SUSPENDED');
  assert.equal(Account!.State, 'SUSPENDED');
  const { Accounts } = await server.organizations().send(new ListAccountsCommand({}));
  assert.equal(Accounts!.find((account) => account.Id === d)?.Status, 'SUSPENDED');
  assert.equal(Accounts!.find((account) => account.Id === A)?.Status, 'ACTIVE');

  const twice = await awsError(server.organizations().send(new CloseAccountCommand({ AccountId: d })));
  assert.equal(twice.code, 'AccountAlreadyClosedException');
  const management = await awsError(server.organizations().send(new CloseAccountCommand({ AccountId: A })));
  assert.equal(management.code, 'ConstraintViolationException');
  const unknown = await awsError(
    server.organizations().send(new CloseAccountCommand({ AccountId: '999999999999' })),
  );
  assert.equal(unknown.code, 'AccountNotFoundException');
});
