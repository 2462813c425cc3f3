// Tags on Organizations' resources, driven by the real SDK and the AWS CLI: TagResource,
// UntagResource and ListTagsForResource on an account, an OU, the root and a policy; the Tags of
// CreateAccount, CreateOrganizationalUnit and CreatePolicy; aws:ResourceTag, aws:RequestTag and
// aws:TagKeys in the callers' policies; bad input answered with Organizations' JSON errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationalUnitCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  paginateListTagsForResource,
  RemoveAccountFromOrganizationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type Tag,
} from '@aws-sdk/client-organizations';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { signedFetch } from '../sign.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const A = ROOT.accountId;

let server: Server;
let orgId = '';
let rootId = '';
let accountB = '';
let policyId = '';

async function tagsOf(resourceId: string, credentials: Credentials = ROOT): Promise<Tag[]> {
  const all: Tag[] = [];
  for await (const page of paginateListTagsForResource(
    { client: server.organizations(credentials) },
    { ResourceId: resourceId },
  ))
    all.push(...(page.Tags ?? []));
  return all;
}

async function userWithPolicy(name: string, statements: object[]): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'orgs',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

async function createOu(name: string, tags: Tag[] = []): Promise<string> {
  const made = await server
    .organizations()
    .send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: name, Tags: tags }));
  return made.OrganizationalUnit!.Id!;
}

before(async () => {
  server = await startServer();
  const { Organization } = await server
    .organizations()
    .send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  orgId = Organization!.Id!;
  rootId = (await server.organizations().send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const started = await server.organizations().send(
    new CreateAccountCommand({
      Email: 'b@example.com',
      AccountName: 'B',
      Tags: [{ Key: 'cost-center', Value: '42' }],
    }),
  );
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
  await server
    .organizations()
    .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  const { Policy } = await server.organizations().send(
    new CreatePolicyCommand({
      Name: 'Guard',
      Description: 'tagged at birth',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'iam:DeleteAccountAlias', Resource: '*' }],
      }),
      Tags: [{ Key: 'owner', Value: 'security' }],
    }),
  );
  policyId = Policy!.PolicySummary!.Id!;
});

after(async () => {
  await server?.stop();
});

test('tags set at creation are listed; TagResource and UntagResource change them on each kind of resource', async () => {
  assert.deepEqual(await tagsOf(accountB), [{ Key: 'cost-center', Value: '42' }]);
  assert.deepEqual(await tagsOf(policyId), [{ Key: 'owner', Value: 'security' }]);
  const ou = await createOu('Tagged', [{ Key: 'team', Value: 'red' }]);
  assert.deepEqual(await tagsOf(ou), [{ Key: 'team', Value: 'red' }]);

  for (const id of [rootId, A, accountB, ou, policyId]) {
    await server.organizations().send(
      new TagResourceCommand({
        ResourceId: id,
        Tags: [
          { Key: 'env', Value: 'test' },
          { Key: 'note', Value: '' },
        ],
      }),
    );
    await server
      .organizations()
      .send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'env', Value: 'prod' }] }));
    const tags = await tagsOf(id);
    assert.deepEqual(
      tags.filter((t) => t.Key === 'env' || t.Key === 'note'),
      [
        { Key: 'env', Value: 'prod' },
        { Key: 'note', Value: '' },
      ],
    );
    await server
      .organizations()
      .send(new UntagResourceCommand({ ResourceId: id, TagKeys: ['env', 'note', 'never-set'] }));
    assert.ok((await tagsOf(id)).every((t) => t.Key !== 'env' && t.Key !== 'note'));
  }
});

test('ListTagsForResource pages with NextToken: 50 tags, in the order they were set', async () => {
  const ou = await createOu('Fifty');
  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `key-${i}`, Value: `value ${i}` }));
  await server.organizations().send(new TagResourceCommand({ ResourceId: ou, Tags: fifty }));
  const first = await server.organizations().send(new ListTagsForResourceCommand({ ResourceId: ou }));
  assert.ok(first.NextToken, 'more than one page');
  assert.ok(first.Tags!.length < 50);
  assert.deepEqual(await tagsOf(ou), fifty);
});

test('aws:ResourceTag: a user allowed DescribeOrganizationalUnit and DescribeAccount only on what is tagged team=red', async () => {
  const red = await createOu('Red', [{ Key: 'team', Value: 'red' }]);
  const blue = await createOu('Blue', [{ Key: 'team', Value: 'blue' }]);
  const viewer = await userWithPolicy('red-viewer', [
    {
      Effect: 'Allow',
      Action: ['organizations:DescribeOrganizationalUnit', 'organizations:DescribeAccount'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } },
    },
  ]);
  const seen = await server
    .organizations(viewer)
    .send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: red }));
  assert.equal(seen.OrganizationalUnit!.Name, 'Red');
  const refused = await awsError(
    server.organizations(viewer).send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: blue })),
  );
  assert.equal(refused.code, 'AccessDeniedException');
  assert.equal(refused.status, 400);
  assert.match(
    refused.message,
    new RegExp(
      `not authorized to perform: organizations:DescribeOrganizationalUnit on resource: arn:aws:organizations::${A}:ou/${orgId}/${blue}`,
    ),
  );

  // Retagging the blue OU red lets the same user see it on the next call.
  await server
    .organizations()
    .send(new TagResourceCommand({ ResourceId: blue, Tags: [{ Key: 'team', Value: 'red' }] }));
  const now = await server
    .organizations(viewer)
    .send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: blue }));
  assert.equal(now.OrganizationalUnit!.Name, 'Blue');

  // The same on accounts: the management account tagged red is seen, B (untagged red) is not.
  await server
    .organizations()
    .send(new TagResourceCommand({ ResourceId: A, Tags: [{ Key: 'team', Value: 'red' }] }));
  const self = await server.organizations(viewer).send(new DescribeAccountCommand({ AccountId: A }));
  assert.equal(self.Account!.Id, A);
  const other = await awsError(
    server.organizations(viewer).send(new DescribeAccountCommand({ AccountId: accountB })),
  );
  assert.equal(other.code, 'AccessDeniedException');
  await server.organizations().send(new UntagResourceCommand({ ResourceId: A, TagKeys: ['team'] }));
});

test('aws:RequestTag and aws:TagKeys: a user may tag only with team=red, and untag only the key team', async () => {
  const ou = await createOu('Requests');
  const tagger = await userWithPolicy('tagger', [
    {
      Effect: 'Allow',
      Action: 'organizations:TagResource',
      Resource: `arn:aws:organizations::${A}:ou/${orgId}/*`,
      Condition: {
        StringEquals: { 'aws:RequestTag/team': 'red' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] },
      },
    },
    {
      Effect: 'Allow',
      Action: 'organizations:UntagResource',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } },
    },
    { Effect: 'Allow', Action: 'organizations:ListTagsForResource', Resource: '*' },
  ]);
  await server
    .organizations(tagger)
    .send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'team', Value: 'red' }] }));
  const blue = await awsError(
    server
      .organizations(tagger)
      .send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'team', Value: 'blue' }] })),
  );
  assert.equal(blue.code, 'AccessDeniedException');
  const extra = await awsError(
    server.organizations(tagger).send(
      new TagResourceCommand({
        ResourceId: ou,
        Tags: [
          { Key: 'team', Value: 'red' },
          { Key: 'owner', Value: 'me' },
        ],
      }),
    ),
  );
  assert.equal(extra.code, 'AccessDeniedException');
  // The account is not an OU: the statement's resource does not cover it.
  const account = await awsError(
    server
      .organizations(tagger)
      .send(new TagResourceCommand({ ResourceId: accountB, Tags: [{ Key: 'team', Value: 'red' }] })),
  );
  assert.equal(account.code, 'AccessDeniedException');
  await server
    .organizations()
    .send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'owner', Value: 'me' }] }));
  const untagOwner = await awsError(
    server.organizations(tagger).send(new UntagResourceCommand({ ResourceId: ou, TagKeys: ['owner'] })),
  );
  assert.equal(untagOwner.code, 'AccessDeniedException');
  await server.organizations(tagger).send(new UntagResourceCommand({ ResourceId: ou, TagKeys: ['team'] }));
  assert.deepEqual(await tagsOf(ou, tagger), [{ Key: 'owner', Value: 'me' }]);
});

test('bad input: too many tags, bad keys, AWS’s prefix, unknown targets — Organizations’ JSON errors, never a 5xx', async () => {
  const ou = await createOu('Bad');
  // Thunks: each call is made when its turn comes, so no refusal waits unheard.
  const cases: { call: () => Promise<unknown>; code: string; message?: RegExp }[] = [
    {
      call: () =>
        server.organizations().send(
          new TagResourceCommand({
            ResourceId: ou,
            Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: '' })),
          }),
        ),
      code: 'ConstraintViolationException',
      message: /exceeded the number of tags/,
    },
    {
      call: () =>
        server
          .organizations()
          .send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'a;b', Value: '' }] })),
      code: 'InvalidInputException',
    },
    {
      call: () =>
        server
          .organizations()
          .send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'k'.repeat(129), Value: '' }] })),
      code: 'InvalidInputException',
    },
    {
      call: () =>
        server
          .organizations()
          .send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'aws:team', Value: 'x' }] })),
      code: 'InvalidInputException',
      message: /system tag/,
    },
    {
      call: () =>
        server
          .organizations()
          .send(new TagResourceCommand({ ResourceId: '999999999999', Tags: [{ Key: 'k', Value: '' }] })),
      code: 'TargetNotFoundException',
    },
    {
      call: () =>
        server
          .organizations()
          .send(new ListTagsForResourceCommand({ ResourceId: `ou-${rootId.slice(2)}-zzzzzzzz` })),
      code: 'TargetNotFoundException',
    },
    {
      call: () =>
        server.organizations().send(new UntagResourceCommand({ ResourceId: 'not-an-id', TagKeys: ['k'] })),
      code: 'InvalidInputException',
    },
  ];
  for (const { call, code, message } of cases) {
    const error = await awsError(call());
    assert.equal(error.code, code, error.message);
    assert.equal(error.status, 400);
    if (message) assert.match(error.message, message);
  }

  // On the wire: AWS's JSON error, its Reason beside the message.
  const response = await signedFetch(
    server.url,
    ROOT,
    JSON.stringify({ ResourceId: ou, Tags: [{ Key: 'aws:x', Value: '' }] }),
    {
      service: 'organizations',
      contentType: 'application/x-amz-json-1.1',
      headers: { 'x-amz-target': 'AWSOrganizationsV20161128.TagResource' },
    },
  );
  assert.equal(response.status, 400);
  const body = (await response.json()) as Record<string, string>;
  assert.equal(body.__type, 'InvalidInputException');
  assert.equal(body.Reason, 'INVALID_SYSTEM_TAGS_PARAMETER');

  // A removed account's tags go with it: it is no longer a target.
  await server
    .organizations()
    .send(new TagResourceCommand({ ResourceId: accountB, Tags: [{ Key: 'leaving', Value: 'yes' }] }));
  await server.organizations().send(new RemoveAccountFromOrganizationCommand({ AccountId: accountB }));
  assert.equal(
    (await awsError(server.organizations().send(new ListTagsForResourceCommand({ ResourceId: accountB }))))
      .code,
    'TargetNotFoundException',
  );
});

test('the AWS CLI v2 tags the root and lists its tags', async () => {
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
  await cli(
    'tag-resource',
    '--resource-id',
    rootId,
    '--tags',
    'Key=env,Value=lab',
    'Key=owner,Value=platform',
  );
  const listed = await cli('list-tags-for-resource', '--resource-id', rootId);
  assert.deepEqual(listed.Tags, [
    { Key: 'env', Value: 'lab' },
    { Key: 'owner', Value: 'platform' },
  ]);
  await cli('untag-resource', '--resource-id', rootId, '--tag-keys', 'env');
  assert.deepEqual(await tagsOf(rootId), [{ Key: 'owner', Value: 'platform' }]);
});
