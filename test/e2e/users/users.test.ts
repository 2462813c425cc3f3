import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateUserCommand,
  DeleteUserCommand,
  GetUserCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('the root user created at bootstrap is the caller of the configured key', async () => {
  const identity = await server.sts().send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Account, ROOT.accountId);
  assert.equal(identity.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
  const user = await server.iam().send(new GetUserCommand({}));
  assert.equal(user.User?.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
});

test('a user is created with its path, tags and an AIDA id, and read back', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateUserCommand({
      UserName: 'Alice',
      Path: '/engineering/',
      Tags: [{ Key: 'team', Value: 'blue' }],
    }),
  );
  assert.equal(created.User?.Arn, `arn:aws:iam::${ROOT.accountId}:user/engineering/Alice`);
  assert.match(created.User?.UserId ?? '', /^AIDA[A-Z0-9]{17}$/);
  assert.ok(created.User?.CreateDate instanceof Date);
  const got = await iam.send(new GetUserCommand({ UserName: 'Alice' }));
  assert.equal(got.User?.UserName, 'Alice');
  assert.equal(got.User?.Path, '/engineering/');
  assert.deepEqual(got.User?.Tags, [{ Key: 'team', Value: 'blue' }]);
});

test('user names are unique regardless of case, with AWS error and message', async () => {
  const error = await awsError(server.iam().send(new CreateUserCommand({ UserName: 'ALICE' })));
  assert.deepEqual(error, {
    code: 'EntityAlreadyExists',
    message: 'User with name ALICE already exists.',
    status: 409,
  });
});

test('an unknown user is NoSuchEntity with AWS message', async () => {
  const error = await awsError(server.iam().send(new GetUserCommand({ UserName: 'nobody' })));
  assert.deepEqual(error, {
    code: 'NoSuchEntity',
    message: 'The user with name nobody cannot be found.',
    status: 404,
  });
});

test('an invalid user name is a ValidationError from the model constraints', async () => {
  const error = await awsError(server.iam().send(new CreateUserCommand({ UserName: 'a'.repeat(65) })));
  assert.equal(error.code, 'ValidationError');
  assert.equal(error.status, 400);
  assert.match(error.message, /userName/);
});

test('ListUsers pages with Marker and MaxItems and filters by PathPrefix', async () => {
  const iam = server.iam();
  for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) {
    await iam.send(new CreateUserCommand({ UserName: name, Path: '/paged/' }));
  }
  const names: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await iam.send(new ListUsersCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: marker }));
    names.push(...(page.Users ?? []).map((u) => u.UserName!));
    marker = page.IsTruncated ? page.Marker : undefined;
    pages++;
  } while (marker);
  assert.deepEqual(names, ['p1', 'p2', 'p3', 'p4', 'p5']);
  assert.equal(pages, 3);
});

test('a large page (over 64 KiB of XML) and many small answers in flight together all arrive whole', async () => {
  const iam = server.iam();
  const path = `/bulk/${'deep/'.repeat(20)}`;
  const names = Array.from({ length: 160 }, (_, i) => `bulk-user-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(
      names.slice(i, i + 20).map((name) => iam.send(new CreateUserCommand({ UserName: name, Path: path }))),
    );
  }
  const [page, ...small] = await Promise.all([
    iam.send(new ListUsersCommand({ PathPrefix: '/bulk/', MaxItems: 1000 })),
    ...names.slice(0, 40).map((name) => iam.send(new GetUserCommand({ UserName: name }))),
  ]);
  assert.deepEqual(
    page.Users?.map((u) => u.UserName),
    names,
  );
  assert.equal(page.IsTruncated, false);
  assert.deepEqual(
    small.map((answer) => answer.User?.UserName),
    names.slice(0, 40),
  );
});

test('UpdateUser renames and moves a user; the old name is gone', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new UpdateUserCommand({ UserName: 'bob', NewUserName: 'robert', NewPath: '/ops/' }));
  const renamed = await iam.send(new GetUserCommand({ UserName: 'robert' }));
  assert.equal(renamed.User?.Arn, `arn:aws:iam::${ROOT.accountId}:user/ops/robert`);
  assert.equal((await awsError(iam.send(new GetUserCommand({ UserName: 'bob' })))).code, 'NoSuchEntity');
});

test('tags are added, replaced by key, listed and removed', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'tagged' }));
  await iam.send(
    new TagUserCommand({
      UserName: 'tagged',
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    }),
  );
  await iam.send(new TagUserCommand({ UserName: 'tagged', Tags: [{ Key: 'A', Value: '3' }] }));
  const listed = await iam.send(new ListUserTagsCommand({ UserName: 'tagged' }));
  assert.deepEqual(listed.Tags, [
    { Key: 'b', Value: '2' },
    { Key: 'A', Value: '3' },
  ]);
  await iam.send(new UntagUserCommand({ UserName: 'tagged', TagKeys: ['b'] }));
  const after = await iam.send(new ListUserTagsCommand({ UserName: 'tagged' }));
  assert.deepEqual(after.Tags, [{ Key: 'A', Value: '3' }]);
});

test('duplicate tag keys are InvalidInput', async () => {
  const error = await awsError(
    server.iam().send(
      new CreateUserCommand({
        UserName: 'dup',
        Tags: [
          { Key: 'x', Value: '1' },
          { Key: 'X', Value: '2' },
        ],
      }),
    ),
  );
  assert.deepEqual(error, {
    code: 'InvalidInput',
    message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    status: 400,
  });
});

test('a deleted user is gone; entities survive a restart', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'temp' }));
  await iam.send(new DeleteUserCommand({ UserName: 'temp' }));
  assert.equal((await awsError(iam.send(new GetUserCommand({ UserName: 'temp' })))).code, 'NoSuchEntity');
  server = await server.restart();
  const alice = await server.iam().send(new GetUserCommand({ UserName: 'Alice' }));
  assert.equal(alice.User?.Path, '/engineering/');
});

test('a request signed with the wrong secret is SignatureDoesNotMatch; an unknown key is InvalidClientTokenId', async () => {
  const wrongSecret = await awsError(
    server
      .iam({ accessKeyId: ROOT.accessKeyId, secretAccessKey: 'x'.repeat(40) })
      .send(new GetUserCommand({})),
  );
  assert.equal(wrongSecret.code, 'SignatureDoesNotMatch');
  assert.equal(wrongSecret.status, 403);
  const unknown = await awsError(
    server
      .iam({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) })
      .send(new GetUserCommand({})),
  );
  assert.deepEqual(unknown, {
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
    status: 403,
  });
});

test('no secret appears in the server output', () => {
  assert.equal(server.output().includes(ROOT.secretAccessKey), false);
});
