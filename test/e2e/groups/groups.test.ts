import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteUserCommand,
  DetachGroupPolicyCommand,
  GetGroupCommand,
  ListAttachedGroupPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  PutGroupPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateGroupCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const ACCOUNT = ROOT.accountId;
const ALLOW_LIST_USERS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
});

async function pagedNames<T>(
  fetch: (marker: string | undefined) => Promise<{ items: T[]; isTruncated?: boolean; marker?: string }>,
  name: (item: T) => string,
): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(marker);
    names.push(...page.items.map(name));
    marker = page.isTruncated ? page.marker : undefined;
    pages++;
  } while (marker);
  return { names, pages };
}

/** True when the server answers this operation at all (another family may not be written yet). */
async function implemented(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidAction') return false;
    throw error;
  }
}

test('a group is created with its path, an AGPA id and its ARN, and read back with no members', async () => {
  const created = await iam.send(new CreateGroupCommand({ GroupName: 'Admins', Path: '/ops/' }));
  assert.equal(created.Group?.Arn, `arn:aws:iam::${ACCOUNT}:group/ops/Admins`);
  assert.equal(created.Group?.Path, '/ops/');
  assert.equal(created.Group?.GroupName, 'Admins');
  assert.match(created.Group?.GroupId ?? '', /^AGPA[A-Z0-9]{17}$/);
  assert.ok(created.Group?.CreateDate instanceof Date);
  const got = await iam.send(new GetGroupCommand({ GroupName: 'Admins' }));
  assert.deepEqual(got.Group, created.Group);
  assert.deepEqual(got.Users, []);
  assert.equal(got.IsTruncated, false);
  assert.equal(got.Marker, undefined);
});

test('the default path is "/"', async () => {
  const created = await iam.send(new CreateGroupCommand({ GroupName: 'plain' }));
  assert.equal(created.Group?.Path, '/');
  assert.equal(created.Group?.Arn, `arn:aws:iam::${ACCOUNT}:group/plain`);
});

test('group names are unique regardless of case, with AWS error and message', async () => {
  const error = await awsError(iam.send(new CreateGroupCommand({ GroupName: 'ADMINS' })));
  assert.deepEqual(error, {
    code: 'EntityAlreadyExists',
    message: 'Group with name ADMINS already exists.',
    status: 409,
  });
});

test('an unknown group is NoSuchEntity with AWS message', async () => {
  const error = await awsError(iam.send(new GetGroupCommand({ GroupName: 'non-existent-group' })));
  assert.deepEqual(error, {
    code: 'NoSuchEntity',
    message: 'The group with name non-existent-group cannot be found.',
    status: 404,
  });
  const deleted = await awsError(iam.send(new DeleteGroupCommand({ GroupName: 'unknown-group' })));
  assert.deepEqual(deleted, {
    code: 'NoSuchEntity',
    message: 'The group with name unknown-group cannot be found.',
    status: 404,
  });
  const updated = await awsError(
    iam.send(new UpdateGroupCommand({ GroupName: 'nonexisting', NewGroupName: 'new-name' })),
  );
  assert.deepEqual(updated, {
    code: 'NoSuchEntity',
    message: 'The group with name nonexisting cannot be found.',
    status: 404,
  });
});

test('a group name over 128 characters is a ValidationError from the model constraints', async () => {
  const error = await awsError(iam.send(new CreateGroupCommand({ GroupName: 'g'.repeat(129) })));
  assert.equal(error.code, 'ValidationError');
  assert.equal(error.status, 400);
  assert.match(error.message, /groupName/);
});

test('ListGroups pages with Marker and MaxItems and filters by PathPrefix', async () => {
  for (const name of ['lg1', 'lg2', 'lg3', 'lg4', 'lg5']) {
    await iam.send(new CreateGroupCommand({ GroupName: name, Path: '/listed/' }));
  }
  await iam.send(new CreateGroupCommand({ GroupName: 'lg-other', Path: '/elsewhere/' }));
  const { names, pages } = await pagedNames(
    async (Marker) => {
      const page = await iam.send(new ListGroupsCommand({ PathPrefix: '/listed/', MaxItems: 2, Marker }));
      return { items: page.Groups ?? [], isTruncated: page.IsTruncated, marker: page.Marker };
    },
    (g) => g.GroupName!,
  );
  assert.deepEqual(names, ['lg1', 'lg2', 'lg3', 'lg4', 'lg5']);
  assert.equal(pages, 3);
  const all = await iam.send(new ListGroupsCommand({}));
  const allNames = (all.Groups ?? []).map((g) => g.GroupName);
  assert.ok(allNames.includes('Admins') && allNames.includes('lg-other'));
  assert.equal(all.IsTruncated, false);
});

test('a user added to a group is listed by GetGroup and ListGroupsForUser, and removed again', async () => {
  const user = await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'ALICE' }));
  const group = await iam.send(new GetGroupCommand({ GroupName: 'Admins' }));
  assert.deepEqual(
    group.Users?.map((u) => ({ UserName: u.UserName, Arn: u.Arn, UserId: u.UserId, Path: u.Path })),
    [{ UserName: 'alice', Arn: user.User?.Arn, UserId: user.User?.UserId, Path: '/' }],
  );
  const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
  assert.deepEqual(
    groups.Groups?.map((g) => g.Arn),
    [`arn:aws:iam::${ACCOUNT}:group/ops/Admins`],
  );
  assert.equal(groups.IsTruncated, false);

  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'Admins', UserName: 'alice' }));
  assert.deepEqual((await iam.send(new GetGroupCommand({ GroupName: 'Admins' }))).Users, []);
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }))).Groups, []);
});

test('adding a user twice changes nothing, and one removal takes it out', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'twice' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'plain', UserName: 'twice' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'plain', UserName: 'twice' }));
  const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'twice' }));
  assert.deepEqual(
    groups.Groups?.map((g) => g.GroupName),
    ['plain'],
  );
  assert.equal((await iam.send(new GetGroupCommand({ GroupName: 'plain' }))).Users?.length, 1);
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'plain', UserName: 'twice' }));
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'twice' }))).Groups, []);
});

test('membership changes name a missing user or group with AWS messages', async () => {
  const unknownUser = await awsError(
    iam.send(new AddUserToGroupCommand({ GroupName: 'plain', UserName: 'non-existent-user' })),
  );
  assert.deepEqual(unknownUser, {
    code: 'NoSuchEntity',
    message: 'The user with name non-existent-user cannot be found.',
    status: 404,
  });
  const unknownGroup = await awsError(
    iam.send(new AddUserToGroupCommand({ GroupName: 'non-existent-group', UserName: 'alice' })),
  );
  assert.deepEqual(unknownGroup, {
    code: 'NoSuchEntity',
    message: 'The group with name non-existent-group cannot be found.',
    status: 404,
  });
  // Both missing: AWS names the user.
  const both = await awsError(
    iam.send(new RemoveUserFromGroupCommand({ GroupName: 'non-existent-group', UserName: 'any-user' })),
  );
  assert.deepEqual(both, {
    code: 'NoSuchEntity',
    message: 'The user with name any-user cannot be found.',
    status: 404,
  });
  const notMember = await awsError(
    iam.send(new RemoveUserFromGroupCommand({ GroupName: 'plain', UserName: 'alice' })),
  );
  assert.equal(notMember.code, 'NoSuchEntity');
  assert.equal(notMember.status, 404);
  const listUnknown = await awsError(iam.send(new ListGroupsForUserCommand({ UserName: 'nobody' })));
  assert.deepEqual(listUnknown, {
    code: 'NoSuchEntity',
    message: 'The user with name nobody cannot be found.',
    status: 404,
  });
});

test('a user may be in at most 10 groups: the 11th is LimitExceeded with AWS message', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'joiner' }));
  for (let i = 1; i <= 11; i++) {
    await iam.send(
      new CreateGroupCommand({ GroupName: `club${String(i).padStart(2, '0')}`, Path: '/clubs/' }),
    );
  }
  for (let i = 1; i <= 10; i++) {
    await iam.send(
      new AddUserToGroupCommand({ GroupName: `club${String(i).padStart(2, '0')}`, UserName: 'joiner' }),
    );
  }
  const error = await awsError(
    iam.send(new AddUserToGroupCommand({ GroupName: 'club11', UserName: 'joiner' })),
  );
  // Not confirmed against AWS: the text is ours (no recorded response with a public thread found),
  // worded like AWS's recorded quota texts (e.g. PoliciesPerUser).
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for GroupsPerUser: 10',
    status: 409,
  });
  // Re-adding to a group the user is already in is still fine at the limit.
  await iam.send(new AddUserToGroupCommand({ GroupName: 'club01', UserName: 'joiner' }));

  const { names, pages } = await pagedNames(
    async (Marker) => {
      const page = await iam.send(new ListGroupsForUserCommand({ UserName: 'joiner', MaxItems: 4, Marker }));
      return { items: page.Groups ?? [], isTruncated: page.IsTruncated, marker: page.Marker };
    },
    (g) => g.GroupName!,
  );
  assert.deepEqual(
    names,
    Array.from({ length: 10 }, (_, i) => `club${String(i + 1).padStart(2, '0')}`),
  );
  assert.equal(pages, 3);
});

test('GetGroup pages through members with Marker and MaxItems', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'crowd' }));
  const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
  for (const name of members) {
    await iam.send(new CreateUserCommand({ UserName: name, Path: '/crowd/' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'crowd', UserName: name }));
  }
  const { names, pages } = await pagedNames(
    async (Marker) => {
      const page = await iam.send(new GetGroupCommand({ GroupName: 'crowd', MaxItems: 2, Marker }));
      assert.equal(page.Group?.GroupName, 'crowd');
      return { items: page.Users ?? [], isTruncated: page.IsTruncated, marker: page.Marker };
    },
    (u) => u.UserName!,
  );
  assert.deepEqual(names, members);
  assert.equal(pages, 3);
});

test('UpdateGroup renames and moves a group; members and their group lists follow', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'devs', Path: '/eng/' }));
  await iam.send(new CreateUserCommand({ UserName: 'dev1' }));
  await iam.send(new CreateUserCommand({ UserName: 'dev2' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'dev1' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'dev2' }));
  const before = await iam.send(new GetGroupCommand({ GroupName: 'devs' }));

  await iam.send(
    new UpdateGroupCommand({ GroupName: 'devs', NewGroupName: 'developers', NewPath: '/engineering/' }),
  );

  const old = await awsError(iam.send(new GetGroupCommand({ GroupName: 'devs' })));
  assert.equal(old.code, 'NoSuchEntity');
  const after = await iam.send(new GetGroupCommand({ GroupName: 'developers' }));
  assert.equal(after.Group?.Arn, `arn:aws:iam::${ACCOUNT}:group/engineering/developers`);
  assert.equal(after.Group?.GroupId, before.Group?.GroupId);
  assert.deepEqual(
    after.Users?.map((u) => u.UserName),
    ['dev1', 'dev2'],
  );
  const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'dev1' }));
  assert.deepEqual(
    groups.Groups?.map((g) => g.GroupName),
    ['developers'],
  );
  // The membership works under the new name.
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'developers', UserName: 'dev2' }));
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'dev2' }))).Groups, []);

  // Only the path.
  await iam.send(new UpdateGroupCommand({ GroupName: 'developers', NewPath: '/' }));
  const moved = await iam.send(new GetGroupCommand({ GroupName: 'developers' }));
  assert.equal(moved.Group?.Arn, `arn:aws:iam::${ACCOUNT}:group/developers`);
  // Only the case of the name.
  await iam.send(new UpdateGroupCommand({ GroupName: 'developers', NewGroupName: 'Developers' }));
  const recased = await iam.send(new GetGroupCommand({ GroupName: 'developers' }));
  assert.equal(recased.Group?.GroupName, 'Developers');
  assert.deepEqual(
    recased.Users?.map((u) => u.UserName),
    ['dev1'],
  );
});

test('UpdateGroup onto an existing name is EntityAlreadyExists', async () => {
  const error = await awsError(
    iam.send(new UpdateGroupCommand({ GroupName: 'plain', NewGroupName: 'ADMINS' })),
  );
  assert.deepEqual(error, {
    code: 'EntityAlreadyExists',
    message: 'Group with name ADMINS already exists.',
    status: 409,
  });
});

test('UpdateGroup carries attached managed policies along (once attaching exists)', async (t) => {
  await iam.send(new CreateGroupCommand({ GroupName: 'attached' }));
  const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
  if (
    !(await implemented(iam.send(new AttachGroupPolicyCommand({ GroupName: 'attached', PolicyArn: arn }))))
  ) {
    t.skip('AttachGroupPolicy is not implemented yet');
    return;
  }
  await iam.send(new UpdateGroupCommand({ GroupName: 'attached', NewGroupName: 'attached2' }));
  const listed = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'attached2' }));
  assert.deepEqual(
    listed.AttachedPolicies?.map((p) => p.PolicyArn),
    [arn],
  );
  // The policy's index of attachments names the group by its new name.
  const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
  assert.deepEqual(
    entities.PolicyGroups?.map((g) => g.GroupName),
    ['attached2'],
  );
  await iam.send(new DetachGroupPolicyCommand({ GroupName: 'attached2', PolicyArn: arn }));
  await iam.send(new DeleteGroupCommand({ GroupName: 'attached2' }));
});

test('DeleteGroup refuses while the group has members, inline or attached policies, with AWS messages', async (t) => {
  await iam.send(new CreateGroupCommand({ GroupName: 'doomed' }));
  await iam.send(new CreateUserCommand({ UserName: 'doomed-member' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'doomed', UserName: 'doomed-member' }));
  assert.deepEqual(await awsError(iam.send(new DeleteGroupCommand({ GroupName: 'doomed' }))), {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must remove users from group first.',
    status: 409,
  });
  // A user in a group cannot be deleted either.
  const userConflict = await awsError(iam.send(new DeleteUserCommand({ UserName: 'doomed-member' })));
  assert.equal(userConflict.code, 'DeleteConflict');
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'doomed', UserName: 'doomed-member' }));
  await iam.send(new DeleteUserCommand({ UserName: 'doomed-member' }));

  await iam.send(
    new PutGroupPolicyCommand({ GroupName: 'doomed', PolicyName: 'p', PolicyDocument: ALLOW_LIST_USERS }),
  );
  assert.deepEqual(await awsError(iam.send(new DeleteGroupCommand({ GroupName: 'doomed' }))), {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must delete policies first.',
    status: 409,
  });
  await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'doomed', PolicyName: 'p' }));

  const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
  if (await implemented(iam.send(new AttachGroupPolicyCommand({ GroupName: 'doomed', PolicyArn: arn })))) {
    assert.deepEqual(await awsError(iam.send(new DeleteGroupCommand({ GroupName: 'doomed' }))), {
      code: 'DeleteConflict',
      message: 'Cannot delete entity, must detach all policies first.',
      status: 409,
    });
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'doomed', PolicyArn: arn }));
  } else {
    t.diagnostic('AttachGroupPolicy is not implemented yet: the attached-policy conflict was not checked');
  }

  await iam.send(new DeleteGroupCommand({ GroupName: 'doomed' }));
  assert.equal((await awsError(iam.send(new GetGroupCommand({ GroupName: 'doomed' })))).code, 'NoSuchEntity');
});

test('groups and memberships survive a restart', async () => {
  server = await server.restart();
  iam = server.iam();
  const group = await iam.send(new GetGroupCommand({ GroupName: 'Developers' }));
  assert.deepEqual(
    group.Users?.map((u) => u.UserName),
    ['dev1'],
  );
  const groups = await iam.send(new ListGroupsForUserCommand({ UserName: 'joiner' }));
  assert.equal(groups.Groups?.length, 10);
});

test('an account holds at most 300 groups: the next is LimitExceeded with AWS message', async () => {
  const existing = (await iam.send(new ListGroupsCommand({ MaxItems: 1000 }))).Groups?.length ?? 0;
  const created: string[] = [];
  for (let i = existing; i < 300; i++) {
    const name = `bulk${i}`;
    await iam.send(new CreateGroupCommand({ GroupName: name }));
    created.push(name);
  }
  const error = await awsError(iam.send(new CreateGroupCommand({ GroupName: 'one-too-many' })));
  // Not confirmed against AWS: the text is ours (no recorded response with a public thread found),
  // worded like AWS's recorded quota texts (e.g. RolesPerAccount).
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for GroupsPerAccount: 300',
    status: 409,
  });
  for (const name of created) await iam.send(new DeleteGroupCommand({ GroupName: name }));
});
