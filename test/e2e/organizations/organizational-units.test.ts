// AWS Organizations' tree, driven by the real SDK and the AWS CLI: organizational units under the
// root and under each other (five levels deep at most), accounts moved between them, each call
// only the management account's and authorized by its caller's policies; an account's place in
// the tree is what aws:PrincipalOrgPaths and aws:ResourceOrgPaths say.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationalUnitCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  type ListChildrenCommandOutput,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  UpdateOrganizationalUnitCommand,
  type OrganizationalUnit,
} from '@aws-sdk/client-organizations';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const A = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let server: Server;
let admin: Credentials;
let orgId = '';
let rootId = '';
let accountB = '';

async function userWithKey(name: string): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

async function createOu(parentId: string, name: string): Promise<OrganizationalUnit> {
  const made = await server
    .organizations()
    .send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name }));
  return made.OrganizationalUnit!;
}

async function move(accountId: string, from: string, to: string): Promise<void> {
  await server
    .organizations()
    .send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: from, DestinationParentId: to }));
}

async function childIds(parentId: string, type: 'ACCOUNT' | 'ORGANIZATIONAL_UNIT'): Promise<string[]> {
  const { Children } = await server
    .organizations()
    .send(new ListChildrenCommand({ ParentId: parentId, ChildType: type }));
  return Children!.map((child) => {
    assert.equal(child.Type, type);
    return child.Id!;
  });
}

before(async () => {
  server = await startServer();
  admin = await userWithKey('admin');
  await server.iam().send(
    new AttachUserPolicyCommand({
      UserName: 'admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  const { Organization } = await server
    .organizations()
    .send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  orgId = Organization!.Id!;
  rootId = (await server.organizations().send(new ListRootsCommand({}))).Roots![0]!.Id!;
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
});

after(async () => {
  await server?.stop();
});

test('a created account starts under the root, beside the management account', async () => {
  assert.deepEqual((await childIds(rootId, 'ACCOUNT')).sort(), [A, accountB].sort());
  const { Parents } = await server.organizations().send(new ListParentsCommand({ ChildId: accountB }));
  assert.deepEqual(Parents, [{ Id: rootId, Type: 'ROOT' }]);
});

test('CreateOrganizationalUnit: AWS’s ids and ARNs, names unique among siblings, five levels deep', async () => {
  const dev = await createOu(rootId, 'Dev');
  const suffix = rootId.slice(2);
  assert.match(dev.Id!, new RegExp(`^ou-${suffix}-[a-z0-9]{8}$`));
  assert.equal(dev.Arn, `arn:aws:organizations::${A}:ou/${orgId}/${dev.Id}`);
  assert.equal(dev.Name, 'Dev');

  const duplicate = await awsError(createOu(rootId, 'Dev'));
  assert.equal(duplicate.code, 'DuplicateOrganizationalUnitException');
  assert.equal(duplicate.status, 400);
  // The same name under another parent is another OU.
  const nestedDev = await createOu(dev.Id!, 'Dev');
  assert.notEqual(nestedDev.Id, dev.Id);

  let parent = nestedDev.Id!;
  for (const level of [3, 4, 5]) parent = (await createOu(parent, `level-${level}`)).Id!;
  const tooDeep = await awsError(createOu(parent, 'level-6'));
  assert.equal(tooDeep.code, 'ConstraintViolationException');

  const missing = await awsError(createOu(`ou-${suffix}-zzzzzzzz`, 'Nowhere'));
  assert.equal(missing.code, 'ParentNotFoundException');
  const badId = await awsError(createOu('not-a-parent', 'Nowhere'));
  assert.equal(badId.code, 'InvalidInputException');
  const emptyName = await awsError(createOu(rootId, ''));
  assert.equal(emptyName.code, 'InvalidInputException');

  const { OrganizationalUnits } = await server
    .organizations()
    .send(new ListOrganizationalUnitsForParentCommand({ ParentId: dev.Id }));
  assert.deepEqual(OrganizationalUnits, [nestedDev]);
  const { Parents } = await server.organizations().send(new ListParentsCommand({ ChildId: nestedDev.Id }));
  assert.deepEqual(Parents, [{ Id: dev.Id, Type: 'ORGANIZATIONAL_UNIT' }]);
});

test('Describe and Update an OU; a rename may not take a sibling’s name', async () => {
  const ou = await createOu(rootId, 'Staging');
  await createOu(rootId, 'Taken');
  const { OrganizationalUnit: described } = await server
    .organizations()
    .send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: ou.Id }));
  assert.deepEqual(described, ou);
  const { OrganizationalUnit: renamed } = await server
    .organizations()
    .send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: ou.Id, Name: 'Pre-prod' }));
  assert.deepEqual(renamed, { ...ou, Name: 'Pre-prod' });
  const clash = await awsError(
    server
      .organizations()
      .send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: ou.Id, Name: 'Taken' })),
  );
  assert.equal(clash.code, 'DuplicateOrganizationalUnitException');
  const unknown = await awsError(
    server
      .organizations()
      .send(
        new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: `ou-${rootId.slice(2)}-00000000` }),
      ),
  );
  assert.equal(unknown.code, 'OrganizationalUnitNotFoundException');
});

test('ListOrganizationalUnitsForParent and ListChildren page with MaxResults and NextToken', async () => {
  const parent = await createOu(rootId, 'Paged');
  const made: string[] = [];
  for (const name of ['a', 'b', 'c', 'd', 'e']) made.push((await createOu(parent.Id!, name)).Id!);
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await server
      .organizations()
      .send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parent.Id, MaxResults: 2, NextToken: token }),
      );
    assert.ok(page.OrganizationalUnits!.length <= 2);
    seen.push(...page.OrganizationalUnits!.map((ou) => ou.Id!));
    token = page.NextToken;
  } while (token);
  assert.deepEqual(seen.sort(), [...made].sort());

  const children: string[] = [];
  token = undefined;
  do {
    const page: ListChildrenCommandOutput = await server.organizations().send(
      new ListChildrenCommand({
        ParentId: parent.Id,
        ChildType: 'ORGANIZATIONAL_UNIT',
        MaxResults: 3,
        NextToken: token,
      }),
    );
    children.push(...page.Children!.map((c) => c.Id!));
    token = page.NextToken;
  } while (token);
  assert.deepEqual(children.sort(), [...made].sort());
  assert.deepEqual(await childIds(parent.Id!, 'ACCOUNT'), []);

  const badToken = await awsError(
    server
      .organizations()
      .send(new ListChildrenCommand({ ParentId: parent.Id, ChildType: 'ACCOUNT', NextToken: '!!' })),
  );
  assert.equal(badToken.code, 'InvalidInputException');
  const tooMany = await awsError(
    server
      .organizations()
      .send(new ListChildrenCommand({ ParentId: parent.Id, ChildType: 'ACCOUNT', MaxResults: 21 })),
  );
  assert.equal(tooMany.code, 'InvalidInputException');
});

test('MoveAccount moves an account between parents, with AWS’s errors', async () => {
  const prod = await createOu(rootId, 'Prod');
  await move(accountB, rootId, prod.Id!);
  assert.deepEqual(await childIds(prod.Id!, 'ACCOUNT'), [accountB]);
  assert.deepEqual(await childIds(rootId, 'ACCOUNT'), [A]);
  const { Accounts } = await server
    .organizations()
    .send(new ListAccountsForParentCommand({ ParentId: prod.Id }));
  assert.deepEqual(
    Accounts!.map((a) => [a.Id, a.Name, a.Arn]),
    [[accountB, 'B', `arn:aws:organizations::${A}:account/${orgId}/${accountB}`]],
  );
  const { Parents } = await server.organizations().send(new ListParentsCommand({ ChildId: accountB }));
  assert.deepEqual(Parents, [{ Id: prod.Id, Type: 'ORGANIZATIONAL_UNIT' }]);

  const suffix = rootId.slice(2);
  const cases: [string, string, string, string][] = [
    [accountB, rootId, prod.Id!, 'DuplicateAccountException'],
    [accountB, `ou-${suffix}-00000000`, rootId, 'SourceParentNotFoundException'],
    [accountB, prod.Id!, `ou-${suffix}-00000000`, 'DestinationParentNotFoundException'],
    ['999999999999', rootId, prod.Id!, 'AccountNotFoundException'],
    ['not-an-account', rootId, prod.Id!, 'InvalidInputException'],
  ];
  for (const [account, from, to, code] of cases) {
    const refused = await awsError(move(account, from, to));
    assert.equal(refused.code, code, `${account} ${from} → ${to}`);
    assert.equal(refused.status, 400);
  }

  // Not empty: an OU holding an account, or another OU, stays.
  const notEmpty = await awsError(
    server.organizations().send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id })),
  );
  assert.equal(notEmpty.code, 'OrganizationalUnitNotEmptyException');
  const inner = await createOu(prod.Id!, 'Inner');
  await move(accountB, prod.Id!, rootId);
  const stillNotEmpty = await awsError(
    server.organizations().send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id })),
  );
  assert.equal(stillNotEmpty.code, 'OrganizationalUnitNotEmptyException');
  await server.organizations().send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: inner.Id }));
  await server.organizations().send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id }));
  const gone = await awsError(
    server.organizations().send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod.Id })),
  );
  assert.equal(gone.code, 'OrganizationalUnitNotFoundException');
  const noParent = await awsError(
    server.organizations().send(new ListAccountsForParentCommand({ ParentId: prod.Id })),
  );
  assert.equal(noParent.code, 'ParentNotFoundException');
});

test('only the management account manages the tree; every call is authorized by the policy engine', async () => {
  // B's administrator (through OrganizationAccountAccessRole) is in the organization, not managing it.
  const intoB = await server.sts(admin).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'b-admin',
    }),
  );
  const inB = {
    accessKeyId: intoB.Credentials!.AccessKeyId!,
    secretAccessKey: intoB.Credentials!.SecretAccessKey!,
    sessionToken: intoB.Credentials!.SessionToken!,
  };
  const member = await awsError(
    server.organizations(inB).send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'FromB' })),
  );
  assert.equal(member.code, 'AccessDeniedException');

  // A user of the management account allowed to create OUs under one OU only.
  const sandbox = await createOu(rootId, 'Sandbox');
  const builder = await userWithKey('ou-builder');
  await server.iam().send(
    new PutUserPolicyCommand({
      UserName: 'ou-builder',
      PolicyName: 'sandbox-only',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: ['organizations:CreateOrganizationalUnit', 'organizations:ListChildren'],
          Resource: `arn:aws:organizations::${A}:ou/${orgId}/${sandbox.Id}`,
        },
      ]),
    }),
  );
  const underSandbox = await server
    .organizations(builder)
    .send(new CreateOrganizationalUnitCommand({ ParentId: sandbox.Id, Name: 'Team' }));
  assert.equal(underSandbox.OrganizationalUnit!.Name, 'Team');
  const underRoot = await awsError(
    server
      .organizations(builder)
      .send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Team' })),
  );
  assert.equal(underRoot.code, 'AccessDeniedException');
  assert.match(
    underRoot.message,
    new RegExp(
      `not authorized to perform: organizations:CreateOrganizationalUnit on resource: arn:aws:organizations::${A}:root/${orgId}/${rootId}`,
    ),
  );
  const move = await awsError(
    server.organizations(builder).send(
      new MoveAccountCommand({
        AccountId: accountB,
        SourceParentId: rootId,
        DestinationParentId: sandbox.Id,
      }),
    ),
  );
  assert.equal(move.code, 'AccessDeniedException');
});

test('aws:PrincipalOrgPaths and aws:ResourceOrgPaths name the account’s place in the tree', async () => {
  const secure = await createOu(rootId, 'Secure');
  const securePath = `${orgId}/${rootId}/${secure.Id}/`;
  // A user of A allowed to list users only while A is in Secure, and to assume B's role only while
  // B is in Secure (B's OrganizationAccountAccessRole trusts A's account).
  const carol = await userWithKey('carol');
  await server.iam().send(
    new PutUserPolicyCommand({
      UserName: 'carol',
      PolicyName: 'by-org-path',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: '*',
          Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${securePath}*` } },
        },
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
          Condition: { 'ForAnyValue:StringEquals': { 'aws:ResourceOrgPaths': securePath } },
        },
      ]),
    }),
  );
  const assumeB = () =>
    server.sts(carol).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
        RoleSessionName: 'carol',
      }),
    );

  assert.equal((await awsError(server.iam(carol).send(new ListUsersCommand({})))).code, 'AccessDenied');
  assert.equal((await awsError(assumeB())).code, 'AccessDenied');

  await move(A, rootId, secure.Id!);
  await move(accountB, rootId, secure.Id!);
  const listed = await server.iam(carol).send(new ListUsersCommand({}));
  assert.ok(listed.Users!.some((u) => u.UserName === 'carol'));
  assert.equal(
    (await assumeB()).AssumedRoleUser!.Arn,
    `arn:aws:sts::${accountB}:assumed-role/OrganizationAccountAccessRole/carol`,
  );

  // Moved back: the next call sees the account's new path.
  await move(A, secure.Id!, rootId);
  await move(accountB, secure.Id!, rootId);
  assert.equal((await awsError(server.iam(carol).send(new ListUsersCommand({})))).code, 'AccessDenied');
  assert.equal((await awsError(assumeB())).code, 'AccessDenied');
});

test('the AWS CLI creates an OU and moves an account into it', async () => {
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
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };
  const made = (await cli('create-organizational-unit', '--parent-id', rootId, '--name', 'FromCli')) as {
    OrganizationalUnit: OrganizationalUnit;
  };
  assert.equal(made.OrganizationalUnit.Name, 'FromCli');
  const ouId = made.OrganizationalUnit.Id!;
  const moved = await cli(
    'move-account',
    '--account-id',
    accountB,
    '--source-parent-id',
    rootId,
    '--destination-parent-id',
    ouId,
  );
  assert.deepEqual(moved, {});
  const children = await cli('list-children', '--parent-id', ouId, '--child-type', 'ACCOUNT');
  assert.deepEqual(children.Children, [{ Id: accountB, Type: 'ACCOUNT' }]);
  await move(accountB, ouId, rootId);
});
