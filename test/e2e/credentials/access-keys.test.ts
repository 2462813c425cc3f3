import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

let server: Server;
/** Every secret handed out in this file, to check none of them is ever logged. */
const secrets: string[] = [];
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

async function userWithKey(name: string): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  secrets.push(created.AccessKey!.SecretAccessKey!);
  return {
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  };
}

test('CreateAccessKey returns an Active AKIA key with its 40-character secret, and the key works', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'kate' }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: 'kate' }));
  const key = created.AccessKey!;
  secrets.push(key.SecretAccessKey!);
  assert.equal(key.UserName, 'kate');
  assert.match(key.AccessKeyId ?? '', /^AKIA[A-Z2-7]{16}$/);
  assert.equal(key.SecretAccessKey?.length, 40);
  assert.equal(key.Status, 'Active');
  assert.ok(key.CreateDate instanceof Date);
  const identity = await server
    .sts({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })
    .send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:iam::${ROOT.accountId}:user/kate`);
});

test('ListAccessKeys never returns the secret', async () => {
  const listed = await server.iam().send(new ListAccessKeysCommand({ UserName: 'kate' }));
  assert.equal(listed.AccessKeyMetadata?.length, 1);
  const [meta] = listed.AccessKeyMetadata!;
  assert.deepEqual(Object.keys(meta!).sort(), ['AccessKeyId', 'CreateDate', 'Status', 'UserName']);
  assert.equal(listed.IsTruncated, false);
});

test('a user may have at most two keys, inactive ones included: LimitExceeded with AWS message', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'limited' }));
  const first = await iam.send(new CreateAccessKeyCommand({ UserName: 'limited' }));
  await iam.send(
    new UpdateAccessKeyCommand({
      UserName: 'limited',
      AccessKeyId: first.AccessKey!.AccessKeyId!,
      Status: 'Inactive',
    }),
  );
  await iam.send(new CreateAccessKeyCommand({ UserName: 'limited' }));
  const error = await awsError(iam.send(new CreateAccessKeyCommand({ UserName: 'limited' })));
  // AWS: "An error occurred (LimitExceeded) when calling the CreateAccessKey operation: Cannot
  // exceed quota for AccessKeysPerUser: 2", https://github.com/simonw/s3-credentials/issues/64
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    status: 409,
  });
});

test('ListAccessKeys pages with MaxItems and Marker, oldest key first', async () => {
  const iam = server.iam();
  const all = await iam.send(new ListAccessKeysCommand({ UserName: 'limited' }));
  assert.equal(all.AccessKeyMetadata?.length, 2);
  const first = await iam.send(new ListAccessKeysCommand({ UserName: 'limited', MaxItems: 1 }));
  assert.equal(first.IsTruncated, true);
  assert.ok(first.Marker);
  const second = await iam.send(
    new ListAccessKeysCommand({ UserName: 'limited', MaxItems: 1, Marker: first.Marker }),
  );
  assert.equal(second.IsTruncated, false);
  assert.deepEqual(
    [first.AccessKeyMetadata![0]!.AccessKeyId, second.AccessKeyMetadata![0]!.AccessKeyId],
    all.AccessKeyMetadata!.map((k) => k.AccessKeyId),
  );
  assert.equal(all.AccessKeyMetadata![0]!.Status, 'Inactive');
});

test('a key made inactive fails on the very next request with InvalidClientTokenId, and works again once active', async () => {
  const creds = await userWithKey('toggle');
  const iam = server.iam();
  const asUser = server.sts(creds);
  await asUser.send(new GetCallerIdentityCommand({}));
  await iam.send(
    new UpdateAccessKeyCommand({ UserName: 'toggle', AccessKeyId: creds.accessKeyId, Status: 'Inactive' }),
  );
  const error = await awsError(asUser.send(new GetCallerIdentityCommand({})));
  assert.deepEqual(error, {
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
    status: 403,
  });
  await iam.send(
    new UpdateAccessKeyCommand({ UserName: 'toggle', AccessKeyId: creds.accessKeyId, Status: 'Active' }),
  );
  const identity = await asUser.send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:iam::${ROOT.accountId}:user/toggle`);
});

test('GetAccessKeyLastUsed says N/A before use, then shows the service, region and date of the use', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'tracked' }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: 'tracked' }));
  const id = created.AccessKey!.AccessKeyId!;
  const unused = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
  assert.equal(unused.UserName, 'tracked');
  assert.deepEqual(unused.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });
  const before = Date.now() - 2000;
  // A call that is denied still counts as a use of the key.
  await awsError(
    server
      .iam({ accessKeyId: id, secretAccessKey: created.AccessKey!.SecretAccessKey! })
      .send(new GetUserCommand({ UserName: 'tracked' })),
  );
  const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
  assert.equal(used.AccessKeyLastUsed?.ServiceName, 'iam');
  assert.equal(used.AccessKeyLastUsed?.Region, 'us-east-1');
  assert.ok(used.AccessKeyLastUsed?.LastUsedDate instanceof Date);
  assert.ok(used.AccessKeyLastUsed!.LastUsedDate!.getTime() >= before);
});

test('GetAccessKeyLastUsed on an unknown key is AccessDenied, as AWS answers', async () => {
  const error = await awsError(
    server.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })),
  );
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ROOT.accountId}:root is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key AKIAIOSFODNN7EXAMPLE`,
    status: 403,
  });
});

test('a key of another user, or an unknown key, is NoSuchEntity with AWS message', async () => {
  const iam = server.iam();
  const kates = await iam.send(new ListAccessKeysCommand({ UserName: 'kate' }));
  const katesKey = kates.AccessKeyMetadata![0]!.AccessKeyId!;
  const update = await awsError(
    iam.send(new UpdateAccessKeyCommand({ UserName: 'limited', AccessKeyId: katesKey, Status: 'Inactive' })),
  );
  assert.deepEqual(update, {
    code: 'NoSuchEntity',
    message: `The Access Key with id ${katesKey} cannot be found.`,
    status: 404,
  });
  const del = await awsError(
    iam.send(new DeleteAccessKeyCommand({ UserName: 'kate', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })),
  );
  assert.deepEqual(del, {
    code: 'NoSuchEntity',
    message: 'The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.',
    status: 404,
  });
});

test('operations on an unknown user are NoSuchEntity', async () => {
  const error = await awsError(server.iam().send(new CreateAccessKeyCommand({ UserName: 'ghost' })));
  assert.deepEqual(error, {
    code: 'NoSuchEntity',
    message: 'The user with name ghost cannot be found.',
    status: 404,
  });
  const list = await awsError(server.iam().send(new ListAccessKeysCommand({ UserName: 'ghost' })));
  assert.equal(list.code, 'NoSuchEntity');
});

test('a deleted key no longer authenticates, and the user can then be deleted', async () => {
  const creds = await userWithKey('leaving');
  const iam = server.iam();
  const conflict = await awsError(iam.send(new DeleteUserCommand({ UserName: 'leaving' })));
  assert.deepEqual(conflict, {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must delete access keys first.',
    status: 409,
  });
  await iam.send(new DeleteAccessKeyCommand({ UserName: 'leaving', AccessKeyId: creds.accessKeyId }));
  const error = await awsError(server.sts(creds).send(new GetCallerIdentityCommand({})));
  assert.equal(error.code, 'InvalidClientTokenId');
  await iam.send(new DeleteUserCommand({ UserName: 'leaving' }));
});

test('without UserName the root user manages its own keys (bootstrap key included)', async () => {
  const iam = server.iam();
  const listed = await iam.send(new ListAccessKeysCommand({}));
  assert.deepEqual(
    listed.AccessKeyMetadata!.map((k) => k.AccessKeyId),
    [ROOT.accessKeyId],
  );
  assert.equal(listed.AccessKeyMetadata![0]!.UserName, undefined);
  const created = await iam.send(new CreateAccessKeyCommand({}));
  const rootKey = {
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  };
  const identity = await server.sts(rootKey).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
  const third = await awsError(iam.send(new CreateAccessKeyCommand({})));
  assert.equal(third.code, 'LimitExceeded');
  await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: rootKey.accessKeyId }));
  const after = await iam.send(new ListAccessKeysCommand({}));
  assert.equal(after.AccessKeyMetadata?.length, 1);
});

test('without UserName an IAM user manages its own keys, given the permission', async () => {
  const creds = await userWithKey('selfish');
  const asUser = server.iam(creds);
  const denied = await awsError(asUser.send(new ListAccessKeysCommand({})));
  assert.deepEqual(denied, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ROOT.accountId}:user/selfish is not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::${ROOT.accountId}:user/selfish because no identity-based policy allows the iam:ListAccessKeys action`,
    status: 403,
  });
});

test('keys survive a restart: the sealed secret still verifies, the inactive status stays', async () => {
  const creds = await userWithKey('durable');
  const limited = await server.iam().send(new ListAccessKeysCommand({ UserName: 'limited' }));
  server = await server.restart();
  const identity = await server.sts(creds).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:iam::${ROOT.accountId}:user/durable`);
  const again = await server.iam().send(new ListAccessKeysCommand({ UserName: 'limited' }));
  assert.deepEqual(again.AccessKeyMetadata, limited.AccessKeyMetadata);
});

test('no secret appears in the server output', () => {
  assert.ok(secrets.length >= 4);
  for (const secret of [ROOT.secretAccessKey, ...secrets]) {
    assert.equal(server.output().includes(secret), false);
  }
});
