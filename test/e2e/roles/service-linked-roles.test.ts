import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  DeleteRoleCommand,
  DeleteServiceLinkedRoleCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  ListAttachedRolePoliciesCommand,
  ListRolesCommand,
  PutRolePermissionsBoundaryCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleDescriptionCommand,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('a service-linked role is created under /aws-service-role/<service>/, trusting the service, with its policy', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateServiceLinkedRoleCommand({
      AWSServiceName: 'autoscaling.amazonaws.com',
      Description: 'for ASGs',
    }),
  );
  const role = created.Role!;
  assert.equal(role.RoleName, 'AWSServiceRoleForAutoScaling');
  assert.equal(role.Path, '/aws-service-role/autoscaling.amazonaws.com/');
  assert.equal(
    role.Arn,
    `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  );
  assert.match(role.RoleId ?? '', /^AROA/);
  const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
  assert.deepEqual(trust.Statement[0].Principal, { Service: 'autoscaling.amazonaws.com' });
  assert.equal(trust.Statement[0].Action, 'sts:AssumeRole');

  const got = (await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role!;
  assert.equal(got.Description, 'for ASGs');
  const attached = await iam.send(
    new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }),
  );
  assert.deepEqual(attached.AttachedPolicies, [
    {
      PolicyName: 'AutoScalingServiceRolePolicy',
      PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy',
    },
  ]);
});

test('a second service-linked role of the same name is refused with AWS message', async () => {
  const error = await awsError(
    server.iam().send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' })),
  );
  assert.deepEqual(error, {
    code: 'InvalidInput',
    message:
      'Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix.',
    status: 400,
  });
});

test('a custom suffix is taken where the service allows one and refused elsewhere', async () => {
  const iam = server.iam();
  const suffixed = await iam.send(
    new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'web' }),
  );
  assert.equal(suffixed.Role?.RoleName, 'AWSServiceRoleForAutoScaling_web');
  const refused = await awsError(
    iam.send(
      new CreateServiceLinkedRoleCommand({
        AWSServiceName: 'ops.apigateway.amazonaws.com',
        CustomSuffix: 'x',
      }),
    ),
  );
  assert.deepEqual(refused, {
    code: 'InvalidInput',
    message: 'Custom suffix is not allowed for ops.apigateway.amazonaws.com',
    status: 400,
  });
});

test('acm.amazonaws.com gets the role, path and policy AWS gives it, not a name made from the principal', async () => {
  // ACM User Guide, "Using a service-linked role (SLR) with ACM": AWSServiceRoleForCertificateManager
  // with the AWS managed policy CertificateManagerServiceRolePolicy.
  const iam = server.iam();
  const created = (
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'acm.amazonaws.com' }))
  ).Role!;
  assert.equal(created.RoleName, 'AWSServiceRoleForCertificateManager');
  assert.equal(created.Path, '/aws-service-role/acm.amazonaws.com/');
  assert.equal(
    created.Arn,
    `arn:aws:iam::${ACCOUNT}:role/aws-service-role/acm.amazonaws.com/AWSServiceRoleForCertificateManager`,
  );
  const attached = await iam.send(
    new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForCertificateManager' }),
  );
  assert.deepEqual(attached.AttachedPolicies, [
    {
      PolicyName: 'CertificateManagerServiceRolePolicy',
      PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/CertificateManagerServiceRolePolicy',
    },
  ]);
  // ACM takes no CustomSuffix (AWS answers every service but a few so, recorded).
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreateServiceLinkedRoleCommand({ AWSServiceName: 'acm.amazonaws.com', CustomSuffix: 'two' }),
      ),
    ),
    { code: 'InvalidInput', message: 'Custom suffix is not allowed for acm.amazonaws.com', status: 400 },
  );
  const { DeletionTaskId } = await iam.send(
    new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForCertificateManager' }),
  );
  assert.match(
    DeletionTaskId ?? '',
    /^task\/aws-service-role\/acm\.amazonaws\.com\/AWSServiceRoleForCertificateManager\//,
  );
  assert.equal(
    (await awsError(iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForCertificateManager' })))).code,
    'NoSuchEntity',
  );
});

test('a service principal that has no service-linked role is refused, and nothing is created', async () => {
  const iam = server.iam();
  const refused = await awsError(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'example.amazonaws.com' })),
  );
  assert.equal(refused.code, 'NoSuchEntity');
  assert.equal(refused.status, 404);
  assert.match(refused.message, /example\.amazonaws\.com/);
  const roles = await iam.send(
    new ListRolesCommand({ PathPrefix: '/aws-service-role/example.amazonaws.com/' }),
  );
  assert.deepEqual(roles.Roles, []);
});

test('a service-linked role is changed only by AWS, except its description', async () => {
  const iam = server.iam();
  const name = 'AWSServiceRoleForAutoScaling';
  const expected = {
    code: 'UnmodifiableEntity',
    message: `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`,
    status: 400,
  };
  assert.deepEqual(await awsError(iam.send(new DeleteRoleCommand({ RoleName: name }))), expected);
  assert.deepEqual(
    await awsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: TRUST }))),
    expected,
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new PutRolePermissionsBoundaryCommand({
          RoleName: name,
          PermissionsBoundary: 'arn:aws:iam::aws:policy/PowerUserAccess',
        }),
      ),
    ),
    expected,
  );
  const described = await iam.send(
    new UpdateRoleDescriptionCommand({ RoleName: name, Description: 'edited' }),
  );
  assert.equal(described.Role?.Description, 'edited');
});

test('DeleteServiceLinkedRole deletes the role and reports a task that succeeded', async () => {
  const iam = server.iam();
  const { DeletionTaskId } = await iam.send(
    new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling_web' }),
  );
  assert.match(
    DeletionTaskId ?? '',
    /^task\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling_web\/[0-9a-f-]{36}$/,
  );
  const status = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }));
  assert.equal(status.Status, 'SUCCEEDED');
  assert.equal(
    (await awsError(iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling_web' })))).code,
    'NoSuchEntity',
  );
  // Its policy attachment went with it: the service can create it again.
  await iam.send(
    new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'web' }),
  );
});

test('DeleteServiceLinkedRole refuses an ordinary role and an unknown one', async () => {
  const iam = server.iam();
  await iam.send(new CreateRoleCommand({ RoleName: 'ordinary', AssumeRolePolicyDocument: TRUST }));
  const ordinary = await awsError(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'ordinary' })));
  assert.equal(ordinary.code, 'InvalidInput');
  assert.equal(ordinary.status, 400);
  assert.deepEqual(
    await awsError(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'nonexistent-role' }))),
    {
      code: 'NoSuchEntity',
      message: 'The role with name nonexistent-role cannot be found.',
      status: 404,
    },
  );
});
