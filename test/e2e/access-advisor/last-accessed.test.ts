// Last accessed information through the real AWS SDK: a user and a role session make IAM calls;
// the reports of the user, the role, a group and a managed policy name the services their
// policies allow, with the last attempt (denied ones too) or none, and who made it; a re-created
// user of the same name starts with no history (identity is the id).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  GetUserCommand,
  ListPoliciesGrantingServiceAccessCommand,
  ListUsersCommand,
  TagUserCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  type IAMClient,
  type ServiceLastAccessed,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

const A = ROOT.accountId;
const arn = (kind: string, name: string) => `arn:aws:iam::${A}:${kind}/${name}`;
const allow = (actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

let server: Server;
let root: IAMClient;
let alice: Credentials;
let session: Credentials;
let readersArn: string;
let started: number;

async function userWithKey(name: string, policy: string[]): Promise<Credentials> {
  await root.send(new CreateUserCommand({ UserName: name }));
  await root.send(
    new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: allow(policy) }),
  );
  const { AccessKey } = await root.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

/** The report of an entity or policy, every page of it. */
async function report(
  target: string,
  granularity?: 'SERVICE_LEVEL' | 'ACTION_LEVEL',
  client = root,
): Promise<{ jobId: string; services: Map<string, ServiceLastAccessed> }> {
  const { JobId } = await client.send(
    new GenerateServiceLastAccessedDetailsCommand({ Arn: target, Granularity: granularity }),
  );
  const services = new Map<string, ServiceLastAccessed>();
  let Marker: string | undefined;
  do {
    const page = await client.send(
      new GetServiceLastAccessedDetailsCommand({ JobId, Marker, MaxItems: 200 }),
    );
    assert.equal(page.JobStatus, 'COMPLETED');
    assert.equal(page.JobType, granularity ?? 'SERVICE_LEVEL');
    assert.ok(page.JobCreationDate instanceof Date && page.JobCompletionDate instanceof Date);
    for (const s of page.ServicesLastAccessed ?? []) services.set(s.ServiceNamespace!, s);
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return { jobId: JobId!, services };
}

before(async () => {
  server = await startServer();
  root = server.iam();
  started = Date.now() - 2000;
  alice = await userWithKey('alice', ['iam:ListUsers', 'iam:GetUser', 'sts:AssumeRole', 's3:GetObject']);
  await root.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await root.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'alice' }));
  await root.send(
    new PutGroupPolicyCommand({
      GroupName: 'devs',
      PolicyName: 'dev-tools',
      PolicyDocument: allow(['iam:Get*', 'lambda:*']),
    }),
  );
  const created = await root.send(
    new CreatePolicyCommand({
      PolicyName: 'Readers',
      PolicyDocument: allow(['iam:List*', 'dynamodb:GetItem']),
    }),
  );
  readersArn = created.Policy!.Arn!;
  await root.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: readersArn }));
  await root.send(
    new CreateRoleCommand({
      RoleName: 'worker',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await root.send(
    new PutRolePolicyCommand({
      RoleName: 'worker',
      PolicyName: 'work',
      PolicyDocument: allow(['iam:GetRole', 'ec2:DescribeInstances']),
    }),
  );
  await root.send(new AttachRolePolicyCommand({ RoleName: 'worker', PolicyArn: readersArn }));

  // Alice lists users (allowed); the role's session lists users too (allowed by Readers).
  await server.iam(alice).send(new ListUsersCommand({}));
  const assumed = await server
    .sts(alice)
    .send(new AssumeRoleCommand({ RoleArn: arn('role', 'worker'), RoleSessionName: 'job-1' }));
  session = {
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  };
  await server.iam(session).send(new ListUsersCommand({}));
});

after(async () => {
  await server?.stop();
});

test("a user's report: each allowed service, IAM last accessed by her in the request's region, S3 never", async () => {
  const { jobId, services } = await report(arn('user', 'alice'));
  assert.match(jobId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  // Her own policy, her group's and the attached managed policy.
  assert.deepEqual([...services.keys()].sort(), ['dynamodb', 'iam', 'lambda', 's3', 'sts']);
  const iam = services.get('iam')!;
  assert.ok(iam.LastAuthenticated instanceof Date && iam.LastAuthenticated.getTime() >= started);
  assert.equal(iam.LastAuthenticatedEntity, arn('user', 'alice'));
  assert.equal(iam.LastAuthenticatedRegion, 'us-east-1');
  assert.equal(iam.TotalAuthenticatedEntities, 1);
  // The names AWS's reports give (the IAM API model's example for GetServiceLastAccessedDetails).
  assert.equal(iam.ServiceName, 'AWS Identity and Access Management');
  assert.equal(
    services.get('sts')?.LastAuthenticatedEntity,
    arn('user', 'alice'),
    'AssumeRole is a use of STS',
  );
  const s3 = services.get('s3')!;
  assert.equal(s3.ServiceName, 'Amazon Simple Storage Service');
  assert.equal(s3.LastAuthenticated, undefined);
  assert.equal(s3.LastAuthenticatedEntity, undefined);
  assert.equal(s3.TotalAuthenticatedEntities, 0);
  assert.equal(iam.TrackedActionsLastAccessed, undefined, 'no actions in a SERVICE_LEVEL report');
});

test("a role's report counts its sessions' calls as the role's", async () => {
  const { services } = await report(arn('role', 'worker'));
  assert.deepEqual([...services.keys()].sort(), ['dynamodb', 'ec2', 'iam']);
  assert.equal(services.get('iam')?.LastAuthenticatedEntity, arn('role', 'worker'));
  assert.ok(services.get('iam')?.LastAuthenticated instanceof Date);
  assert.equal(services.get('ec2')?.LastAuthenticated, undefined);
});

test('an ACTION_LEVEL report tracks each allowed IAM management action, not reads', async () => {
  // "For actions, last accessed information reports service management actions. Management
  // actions include creation, deletion, and modification actions" (IAM User Guide).
  const erin = server.iam(
    await userWithKey('erin', [
      'iam:ListUsers',
      'iam:GetUser',
      'iam:TagUser',
      'iam:UntagUser',
      's3:GetObject',
    ]),
  );
  const before = await report(arn('user', 'erin'), 'ACTION_LEVEL');
  assert.equal(
    before.services.get('iam')?.TrackedActionsLastAccessed,
    undefined,
    'null while no tracked action was used',
  );
  await erin.send(new ListUsersCommand({}));
  await erin.send(new TagUserCommand({ UserName: 'erin', Tags: [{ Key: 'team', Value: 'a' }] }));
  const { services } = await report(arn('user', 'erin'), 'ACTION_LEVEL');
  const tracked = services.get('iam')!.TrackedActionsLastAccessed!;
  assert.deepEqual(
    tracked.map((a) => a.ActionName),
    ['TagUser', 'UntagUser'],
    'ListUsers and GetUser are reads, not management actions',
  );
  const [tagUser, untagUser] = tracked;
  assert.ok(tagUser!.LastAccessedTime instanceof Date);
  assert.equal(tagUser!.LastAccessedEntity, arn('user', 'erin'));
  assert.equal(tagUser!.LastAccessedRegion, 'us-east-1');
  assert.deepEqual(untagUser, { ActionName: 'UntagUser' });
  assert.ok(services.get('iam')!.LastAuthenticated instanceof Date);
  assert.equal(services.get('s3')?.TrackedActionsLastAccessed, undefined, 'S3 calls never reach this server');
});

test("a group's report names the member who used a service; WithEntities lists its members", async () => {
  const { jobId, services } = await report(arn('group', 'devs'));
  assert.deepEqual([...services.keys()].sort(), ['iam', 'lambda']);
  assert.equal(services.get('iam')?.LastAuthenticatedEntity, arn('user', 'alice'));
  assert.equal(services.get('lambda')?.LastAuthenticated, undefined);
  const withEntities = await root.send(
    new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 'iam' }),
  );
  assert.equal(withEntities.JobStatus, 'COMPLETED');
  const user = await root.send(new GetUserCommand({ UserName: 'alice' }));
  assert.deepEqual(
    withEntities.EntityDetailsList?.map((e) => e.EntityInfo),
    [{ Arn: arn('user', 'alice'), Name: 'alice', Type: 'USER', Id: user.User!.UserId, Path: '/' }],
  );
  assert.ok(withEntities.EntityDetailsList![0]!.LastAuthenticated instanceof Date);
  const lambda = await root.send(
    new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 'lambda' }),
  );
  assert.equal(lambda.EntityDetailsList?.length, 1);
  assert.equal(lambda.EntityDetailsList![0]!.LastAuthenticated, undefined);
});

test("a managed policy's report counts every user and role it is attached to", async () => {
  const { jobId, services } = await report(readersArn);
  assert.deepEqual([...services.keys()].sort(), ['dynamodb', 'iam']);
  assert.equal(services.get('iam')?.TotalAuthenticatedEntities, 2);
  // Both listed users within the same second (AWS's dates are to the second): either is the last.
  assert.ok(
    [arn('role', 'worker'), arn('user', 'alice')].includes(services.get('iam')!.LastAuthenticatedEntity!),
  );
  assert.equal(services.get('dynamodb')?.LastAuthenticated, undefined);
  const entities = await root.send(
    new GetServiceLastAccessedDetailsWithEntitiesCommand({
      JobId: jobId,
      ServiceNamespace: 'iam',
      MaxItems: 1,
    }),
  );
  assert.equal(entities.IsTruncated, true);
  const rest = await root.send(
    new GetServiceLastAccessedDetailsWithEntitiesCommand({
      JobId: jobId,
      ServiceNamespace: 'iam',
      Marker: entities.Marker,
    }),
  );
  assert.deepEqual(
    [...entities.EntityDetailsList!, ...rest.EntityDetailsList!].map((e) => e.EntityInfo?.Type).sort(),
    ['ROLE', 'USER'],
  );
});

test('ListPoliciesGrantingServiceAccess names the policies granting each service, and whose they are', async () => {
  const answer = await root.send(
    new ListPoliciesGrantingServiceAccessCommand({
      Arn: arn('user', 'alice'),
      ServiceNamespaces: ['iam', 's3', 'ec2'],
    }),
  );
  assert.equal(answer.IsTruncated, false);
  const byService = new Map(
    answer.PoliciesGrantingServiceAccess!.map((e) => [e.ServiceNamespace, e.Policies]),
  );
  assert.deepEqual(byService.get('iam'), [
    { PolicyName: 'own', PolicyType: 'INLINE', EntityType: 'USER', EntityName: 'alice' },
    { PolicyName: 'Readers', PolicyType: 'MANAGED', PolicyArn: readersArn },
    { PolicyName: 'dev-tools', PolicyType: 'INLINE', EntityType: 'GROUP', EntityName: 'devs' },
  ]);
  assert.deepEqual(byService.get('s3'), [
    { PolicyName: 'own', PolicyType: 'INLINE', EntityType: 'USER', EntityName: 'alice' },
  ]);
  assert.deepEqual(byService.get('ec2'), []);
});

test('a denied attempt counts as an access, as AWS records it', async () => {
  const carol = await userWithKey('carol', ['iam:GetUser']);
  const denied = await awsError(server.iam(carol).send(new ListUsersCommand({})));
  assert.equal(denied.code, 'AccessDenied');
  const { services } = await report(arn('user', 'carol'));
  assert.equal(services.get('iam')?.LastAuthenticatedEntity, arn('user', 'carol'));
});

test('a user deleted and created again under the same name starts with no last access', async () => {
  const bob = await userWithKey('bob', ['iam:ListUsers']);
  await server.iam(bob).send(new ListUsersCommand({}));
  assert.ok((await report(arn('user', 'bob'))).services.get('iam')?.LastAuthenticated instanceof Date);
  await root.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: bob.accessKeyId }));
  await root.send(new DeleteUserPolicyCommand({ UserName: 'bob', PolicyName: 'own' }));
  await root.send(new DeleteUserCommand({ UserName: 'bob' }));
  await root.send(new CreateUserCommand({ UserName: 'bob' }));
  await root.send(
    new PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'own',
      PolicyDocument: allow(['iam:ListUsers']),
    }),
  );
  const again = (await report(arn('user', 'bob'))).services.get('iam');
  assert.ok(again, 'IAM is allowed');
  assert.equal(again.LastAuthenticated, undefined);
  assert.equal(again.TotalAuthenticatedEntities, 0);
});

test('a report pages by MaxItems and Marker', async () => {
  const { jobId } = await report(arn('user', 'alice'));
  const first = await root.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId, MaxItems: 2 }));
  assert.equal(first.IsTruncated, true);
  assert.equal(first.ServicesLastAccessed?.length, 2);
  const second = await root.send(
    new GetServiceLastAccessedDetailsCommand({ JobId: jobId, MaxItems: 10, Marker: first.Marker }),
  );
  assert.equal(second.IsTruncated, false);
  assert.deepEqual(
    [...first.ServicesLastAccessed!, ...second.ServicesLastAccessed!].map((s) => s.ServiceNamespace),
    ['dynamodb', 'iam', 'lambda', 's3', 'sts'],
  );
});

test('errors as AWS gives them: an unknown entity, an ARN that names none, an unknown job, a caller not allowed', async () => {
  const unknown = await awsError(
    root.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('user', 'nobody') })),
  );
  assert.equal(unknown.code, 'NoSuchEntity');
  assert.equal(unknown.status, 404);
  const notIam = await awsError(
    root.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: 'arn:aws:s3:::some-bucket-name' })),
  );
  assert.equal(notIam.code, 'InvalidInput');
  assert.equal(notIam.status, 400);
  const job = await awsError(
    root.send(new GetServiceLastAccessedDetailsCommand({ JobId: '00000000-0000-4000-8000-000000000000' })),
  );
  assert.equal(job.code, 'NoSuchEntity');
  // The model's constraints: a JobId of 36 characters, MaxItems 1-1000, Granularity's enum.
  const shortJob = await awsError(root.send(new GetServiceLastAccessedDetailsCommand({ JobId: 'abc' })));
  assert.equal(shortJob.code, 'ValidationError');
  const tooMany = await awsError(
    root.send(
      new GetServiceLastAccessedDetailsCommand({
        JobId: '00000000-0000-4000-8000-000000000000',
        MaxItems: 1001,
      }),
    ),
  );
  assert.equal(tooMany.code, 'ValidationError');
  const granularity = await awsError(
    root.send(
      new GenerateServiceLastAccessedDetailsCommand({
        Arn: arn('user', 'alice'),
        Granularity: 'RESOURCE_LEVEL' as 'ACTION_LEVEL',
      }),
    ),
  );
  assert.equal(granularity.code, 'ValidationError');
  const denied = await awsError(
    server.iam(alice).send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('user', 'alice') })),
  );
  assert.equal(denied.code, 'AccessDenied');
  assert.match(
    denied.message,
    /iam:GenerateServiceLastAccessedDetails on resource: arn:aws:iam::\d+:user\/alice/,
  );
  const policyArn = await awsError(
    root.send(new ListPoliciesGrantingServiceAccessCommand({ Arn: readersArn, ServiceNamespaces: ['iam'] })),
  );
  assert.equal(policyArn.code, 'InvalidInput');
});

test('an entity with no permissions policies has a completed report listing no services', async () => {
  await root.send(new CreateUserCommand({ UserName: 'idle' }));
  const { JobId } = await root.send(
    new GenerateServiceLastAccessedDetailsCommand({ Arn: arn('user', 'idle') }),
  );
  const details = await root.send(new GetServiceLastAccessedDetailsCommand({ JobId }));
  // ServicesLastAccessed is a required member of the output (IAM API model).
  assert.deepEqual(details.ServicesLastAccessed, []);
  assert.equal(details.JobStatus, 'COMPLETED');
  assert.equal(details.Error, undefined);
  assert.equal(details.IsTruncated, false);
  const entities = await root.send(
    new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId, ServiceNamespace: 'iam' }),
  );
  assert.deepEqual(entities.EntityDetailsList, []);
});

test('a JobId is answered only to the caller that generated it', async () => {
  const auditor = server.iam(
    await userWithKey('auditor', [
      'iam:GenerateServiceLastAccessedDetails',
      'iam:GetServiceLastAccessedDetails',
      'iam:GetServiceLastAccessedDetailsWithEntities',
    ]),
  );
  const { jobId: rootJob } = await report(arn('user', 'alice'));
  const byRoot = await awsError(auditor.send(new GetServiceLastAccessedDetailsCommand({ JobId: rootJob })));
  assert.equal(byRoot.code, 'NoSuchEntity');
  const withEntities = await awsError(
    auditor.send(
      new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: rootJob, ServiceNamespace: 'iam' }),
    ),
  );
  assert.equal(withEntities.code, 'NoSuchEntity');
  const { jobId: own, services } = await report(arn('user', 'alice'), undefined, auditor);
  assert.ok(services.has('iam'));
  const byOther = await awsError(root.send(new GetServiceLastAccessedDetailsCommand({ JobId: own })));
  assert.equal(byOther.code, 'NoSuchEntity');
});

// Last: it moves the server's clock more than a year ahead.
test('an attempt older than the 400-day tracking period reads as none; a new one counts again', async () => {
  const dana = await userWithKey('dana', ['iam:ListUsers', 'iam:TagUser']);
  await server.iam(dana).send(new ListUsersCommand({}));
  await server.iam(dana).send(new TagUserCommand({ UserName: 'dana', Tags: [{ Key: 'k', Value: 'v' }] }));
  const day = 24 * 60 * 60;
  await server.advanceClock(399 * day);
  const within = (await report(arn('user', 'dana'), 'ACTION_LEVEL')).services.get('iam')!;
  assert.ok(within.LastAuthenticated instanceof Date);
  assert.ok(within.TrackedActionsLastAccessed?.[0]?.LastAccessedTime instanceof Date);
  await server.advanceClock(2 * day);
  const { jobId, services } = await report(arn('user', 'dana'), 'ACTION_LEVEL');
  const iam = services.get('iam')!;
  assert.equal(iam.LastAuthenticated, undefined);
  assert.equal(iam.LastAuthenticatedEntity, undefined);
  assert.equal(iam.TotalAuthenticatedEntities, 0);
  assert.equal(iam.TrackedActionsLastAccessed, undefined, 'no tracked action used within the period');
  const entities = await root.send(
    new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: jobId, ServiceNamespace: 'iam' }),
  );
  assert.equal(entities.EntityDetailsList?.[0]?.LastAuthenticated, undefined);

  await server.iam(dana).send(new ListUsersCommand({}));
  const again = (await report(arn('user', 'dana'))).services.get('iam')!;
  assert.ok(again.LastAuthenticated instanceof Date && again.LastAuthenticated.getTime() > Date.now());
  assert.equal(again.TotalAuthenticatedEntities, 1);
});
