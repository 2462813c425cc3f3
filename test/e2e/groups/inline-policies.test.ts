import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteGroupPolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetGroupPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateGroupCommand,
  UpdateUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer();
  iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'holder' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'holders' }));
});
after(async () => {
  await server?.stop();
});

/** A document as a person writes it: indented, with a resource that needs URL-encoding. */
const DOCUMENT = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadBucket",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"],
      "Condition": { "StringLike": { "s3:prefix": ["home/\${aws:username}/*", "a+b (c)!'"] } }
    }
  ]
}`;

const SMALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
});

/** A valid identity policy whose size (white space not counted) is exactly `size` characters. */
function policyOfSize(size: number): string {
  const head =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::';
  const tail = '"}]}';
  const filler = size - head.length - tail.length;
  assert.ok(filler > 0);
  return head + 'b'.repeat(filler) + tail;
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Creates a role, or returns false when CreateRole is not served yet. */
async function createRole(name: string, path = '/'): Promise<boolean> {
  try {
    await iam.send(new CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: TRUST }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidAction') return false;
    throw error;
  }
}

// ---- users

test('a user inline policy is stored as given and returned URL-encoded, decoding to the same text', async () => {
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'holder', PolicyName: 'ReadBucket', PolicyDocument: DOCUMENT }),
  );
  const got = await iam.send(new GetUserPolicyCommand({ UserName: 'HOLDER', PolicyName: 'ReadBucket' }));
  assert.equal(got.UserName, 'holder');
  assert.equal(got.PolicyName, 'ReadBucket');
  // The SDK for JavaScript hands the document over as sent: RFC 3986 encoded, as AWS sends it.
  assert.match(got.PolicyDocument ?? '', /^%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22/);
  assert.doesNotMatch(got.PolicyDocument ?? '', /[{}"\s!'()*]/);
  assert.equal(decodeURIComponent(got.PolicyDocument!), DOCUMENT);
});

test('ListUserPolicies lists names in order and pages with Marker and MaxItems', async () => {
  for (const name of ['p-c', 'p-a', 'p-b']) {
    await iam.send(new PutUserPolicyCommand({ UserName: 'holder', PolicyName: name, PolicyDocument: SMALL }));
  }
  const names: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await iam.send(
      new ListUserPoliciesCommand({ UserName: 'holder', MaxItems: 2, Marker: marker }),
    );
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
    pages++;
  } while (marker);
  assert.deepEqual(names, ['p-a', 'p-b', 'p-c', 'ReadBucket']);
  assert.equal(pages, 2);
});

test('putting a policy under an existing name replaces its document', async () => {
  const replacement = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }],
  });
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'holder', PolicyName: 'p-a', PolicyDocument: replacement }),
  );
  const got = await iam.send(new GetUserPolicyCommand({ UserName: 'holder', PolicyName: 'p-a' }));
  assert.equal(decodeURIComponent(got.PolicyDocument!), replacement);
  const listed = await iam.send(new ListUserPoliciesCommand({ UserName: 'holder' }));
  assert.equal(listed.PolicyNames?.filter((n) => n === 'p-a').length, 1);
});

test('a deleted user policy is gone: NoSuchEntity with AWS message', async () => {
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'holder', PolicyName: 'p-c' }));
  const got = await awsError(iam.send(new GetUserPolicyCommand({ UserName: 'holder', PolicyName: 'p-c' })));
  assert.deepEqual(got, {
    code: 'NoSuchEntity',
    message: 'The user policy with name p-c cannot be found.',
    status: 404,
  });
  const deleted = await awsError(
    iam.send(new DeleteUserPolicyCommand({ UserName: 'holder', PolicyName: 'p-c' })),
  );
  assert.deepEqual(deleted, {
    code: 'NoSuchEntity',
    message: 'The user policy with name p-c cannot be found.',
    status: 404,
  });
});

test('user policy calls on an unknown user are NoSuchEntity naming the user', async () => {
  const expected = {
    code: 'NoSuchEntity',
    message: 'The user with name ghost cannot be found.',
    status: 404,
  };
  assert.deepEqual(
    await awsError(
      iam.send(new PutUserPolicyCommand({ UserName: 'ghost', PolicyName: 'p', PolicyDocument: SMALL })),
    ),
    expected,
  );
  assert.deepEqual(
    await awsError(iam.send(new GetUserPolicyCommand({ UserName: 'ghost', PolicyName: 'p' }))),
    expected,
  );
  assert.deepEqual(await awsError(iam.send(new ListUserPoliciesCommand({ UserName: 'ghost' }))), expected);
  assert.deepEqual(
    await awsError(iam.send(new DeleteUserPolicyCommand({ UserName: 'ghost', PolicyName: 'p' }))),
    expected,
  );
});

test('a malformed document is MalformedPolicyDocument with the engine message, and nothing is stored', async () => {
  const notJson = await awsError(
    iam.send(
      new PutUserPolicyCommand({ UserName: 'holder', PolicyName: 'bad', PolicyDocument: '{"Version":' }),
    ),
  );
  assert.deepEqual(notJson, {
    code: 'MalformedPolicyDocument',
    message: 'Syntax errors in policy.',
    status: 400,
  });
  const withPrincipal = await awsError(
    iam.send(new PutUserPolicyCommand({ UserName: 'holder', PolicyName: 'bad', PolicyDocument: TRUST })),
  );
  assert.deepEqual(withPrincipal, {
    code: 'MalformedPolicyDocument',
    message: 'Policy document should not specify a principal.',
    status: 400,
  });
  const got = await awsError(iam.send(new GetUserPolicyCommand({ UserName: 'holder', PolicyName: 'bad' })));
  assert.equal(got.code, 'NoSuchEntity');
});

test("a user's inline policies together may hold 2,048 characters, white space not counted", async () => {
  await iam.send(new CreateUserCommand({ UserName: 'sized' }));
  // White space is free: a policy padded with spaces far beyond 2,048 characters fits.
  const padded = policyOfSize(1000).replace(/,/g, ',' + ' '.repeat(400));
  assert.ok(padded.length > 2048);
  await iam.send(new PutUserPolicyCommand({ UserName: 'sized', PolicyName: 'one', PolicyDocument: padded }));
  // 1,000 + 1,048 = 2,048: exactly at the quota.
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'sized', PolicyName: 'two', PolicyDocument: policyOfSize(1048) }),
  );
  const over = await awsError(
    iam.send(
      new PutUserPolicyCommand({ UserName: 'sized', PolicyName: 'three', PolicyDocument: policyOfSize(120) }),
    ),
  );
  // AWS: "An error occurred (LimitExceeded) when calling the PutUserPolicy operation: Maximum policy
  // size of 2048 bytes exceeded for user <name>", https://github.com/danvk/mapsnap/pull/483 (and
  // https://github.com/ministryofjustice/cloud-platform-environments/pull/5302)
  assert.deepEqual(over, {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 2048 bytes exceeded for user sized',
    status: 409,
  });
  // Replacing a policy counts its new size instead of the old one.
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'sized', PolicyName: 'two', PolicyDocument: policyOfSize(900) }),
  );
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'sized', PolicyName: 'three', PolicyDocument: policyOfSize(148) }),
  );
  const listed = await iam.send(new ListUserPoliciesCommand({ UserName: 'sized' }));
  assert.deepEqual(listed.PolicyNames, ['one', 'three', 'two']);
});

test('a user with inline policies cannot be deleted until they are deleted', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'keeper' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'keeper', PolicyName: 'p', PolicyDocument: SMALL }));
  assert.deepEqual(await awsError(iam.send(new DeleteUserCommand({ UserName: 'keeper' }))), {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must delete policies first.',
    status: 409,
  });
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'keeper', PolicyName: 'p' }));
  await iam.send(new DeleteUserCommand({ UserName: 'keeper' }));
});

test('inline policies follow a renamed user', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'renamed' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'renamed', PolicyName: 'p', PolicyDocument: SMALL }));
  await iam.send(new UpdateUserCommand({ UserName: 'renamed', NewUserName: 'renamed2' }));
  const got = await iam.send(new GetUserPolicyCommand({ UserName: 'renamed2', PolicyName: 'p' }));
  assert.equal(got.UserName, 'renamed2');
  assert.equal(decodeURIComponent(got.PolicyDocument!), SMALL);
});

// ---- groups

test('group inline policies are put, read back, listed and deleted', async () => {
  await iam.send(
    new PutGroupPolicyCommand({ GroupName: 'holders', PolicyName: 'ReadBucket', PolicyDocument: DOCUMENT }),
  );
  await iam.send(
    new PutGroupPolicyCommand({ GroupName: 'holders', PolicyName: 'Lister', PolicyDocument: SMALL }),
  );
  const got = await iam.send(new GetGroupPolicyCommand({ GroupName: 'Holders', PolicyName: 'ReadBucket' }));
  assert.equal(got.GroupName, 'holders');
  assert.equal(got.PolicyName, 'ReadBucket');
  assert.equal(decodeURIComponent(got.PolicyDocument!), DOCUMENT);
  const listed = await iam.send(new ListGroupPoliciesCommand({ GroupName: 'holders' }));
  assert.deepEqual(listed.PolicyNames, ['Lister', 'ReadBucket']);
  assert.equal(listed.IsTruncated, false);
  const page = await iam.send(new ListGroupPoliciesCommand({ GroupName: 'holders', MaxItems: 1 }));
  assert.deepEqual(page.PolicyNames, ['Lister']);
  assert.equal(page.IsTruncated, true);
  const next = await iam.send(
    new ListGroupPoliciesCommand({ GroupName: 'holders', MaxItems: 1, Marker: page.Marker }),
  );
  assert.deepEqual(next.PolicyNames, ['ReadBucket']);
  assert.equal(next.IsTruncated, false);

  await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'holders', PolicyName: 'Lister' }));
  const missing = await awsError(
    iam.send(new GetGroupPolicyCommand({ GroupName: 'holders', PolicyName: 'Lister' })),
  );
  assert.deepEqual(missing, {
    code: 'NoSuchEntity',
    message: 'The group policy with name Lister cannot be found.',
    status: 404,
  });
});

test('group policy calls on an unknown group are NoSuchEntity naming the group', async () => {
  const expected = {
    code: 'NoSuchEntity',
    message: 'The group with name ghosts cannot be found.',
    status: 404,
  };
  assert.deepEqual(
    await awsError(
      iam.send(new PutGroupPolicyCommand({ GroupName: 'ghosts', PolicyName: 'p', PolicyDocument: SMALL })),
    ),
    expected,
  );
  assert.deepEqual(
    await awsError(iam.send(new GetGroupPolicyCommand({ GroupName: 'ghosts', PolicyName: 'p' }))),
    expected,
  );
  assert.deepEqual(await awsError(iam.send(new ListGroupPoliciesCommand({ GroupName: 'ghosts' }))), expected);
  assert.deepEqual(
    await awsError(iam.send(new DeleteGroupPolicyCommand({ GroupName: 'ghosts', PolicyName: 'p' }))),
    expected,
  );
});

test("a group's inline policies together may hold 5,120 characters", async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'sized-group' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'sized-group',
      PolicyName: 'a',
      PolicyDocument: policyOfSize(3000),
    }),
  );
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'sized-group',
      PolicyName: 'b',
      PolicyDocument: policyOfSize(2120),
    }),
  );
  const over = await awsError(
    iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'sized-group',
        PolicyName: 'c',
        PolicyDocument: policyOfSize(120),
      }),
    ),
  );
  // AWS: "An error occurred (LimitExceeded) when calling the PutGroupPolicy operation: Maximum
  // policy size of 5120 bytes exceeded for group travis-ci",
  // https://github.com/HumanCellAtlas/data-store/issues/1963
  assert.deepEqual(over, {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 5120 bytes exceeded for group sized-group',
    status: 409,
  });
});

test('inline policies follow a renamed group', async () => {
  await iam.send(new CreateGroupCommand({ GroupName: 'old-team' }));
  await iam.send(
    new PutGroupPolicyCommand({ GroupName: 'old-team', PolicyName: 'p', PolicyDocument: SMALL }),
  );
  await iam.send(new UpdateGroupCommand({ GroupName: 'old-team', NewGroupName: 'new-team' }));
  const got = await iam.send(new GetGroupPolicyCommand({ GroupName: 'new-team', PolicyName: 'p' }));
  assert.equal(got.GroupName, 'new-team');
  assert.equal(decodeURIComponent(got.PolicyDocument!), SMALL);
});

// ---- roles (once CreateRole is served)

test('role inline policies are put, read back, listed and deleted', async (t) => {
  if (!(await createRole('worker'))) {
    t.skip('CreateRole is not implemented yet');
    return;
  }
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'ReadBucket', PolicyDocument: DOCUMENT }),
  );
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'Lister', PolicyDocument: SMALL }),
  );
  const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'WORKER', PolicyName: 'ReadBucket' }));
  assert.equal(got.RoleName, 'worker');
  assert.equal(got.PolicyName, 'ReadBucket');
  assert.equal(decodeURIComponent(got.PolicyDocument!), DOCUMENT);
  const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker' }));
  assert.deepEqual(listed.PolicyNames, ['Lister', 'ReadBucket']);

  // A role with inline policies cannot be deleted until they are.
  const conflict = await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'worker' })));
  assert.equal(conflict.code, 'DeleteConflict');

  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'Lister' }));
  const missing = await awsError(
    iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'Lister' })),
  );
  assert.deepEqual(missing, {
    code: 'NoSuchEntity',
    message: 'The role policy with name Lister cannot be found.',
    status: 404,
  });
  const deleteMissing = await awsError(
    iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'Lister' })),
  );
  assert.deepEqual(deleteMissing, missing);
});

test('role policy calls on an unknown role are NoSuchEntity naming the role', async (t) => {
  const put = await awsError(
    iam.send(
      new PutRolePolicyCommand({ RoleName: 'nonexistent-role', PolicyName: 'p', PolicyDocument: SMALL }),
    ),
  );
  if (put.code === 'InvalidAction') {
    t.skip('the role inline policy operations are not served');
    return;
  }
  const expected = {
    code: 'NoSuchEntity',
    message: 'The role with name nonexistent-role cannot be found.',
    status: 404,
  };
  assert.deepEqual(put, expected);
  assert.deepEqual(
    await awsError(iam.send(new GetRolePolicyCommand({ RoleName: 'nonexistent-role', PolicyName: 'p' }))),
    expected,
  );
  assert.deepEqual(
    await awsError(iam.send(new ListRolePoliciesCommand({ RoleName: 'nonexistent-role' }))),
    expected,
  );
  assert.deepEqual(
    await awsError(iam.send(new DeleteRolePolicyCommand({ RoleName: 'nonexistent-role', PolicyName: 'p' }))),
    expected,
  );
});

test("a role's inline policies together may hold 10,240 characters", async (t) => {
  if (!(await createRole('big-role'))) {
    t.skip('CreateRole is not implemented yet');
    return;
  }
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'big-role', PolicyName: 'a', PolicyDocument: policyOfSize(6000) }),
  );
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'big-role', PolicyName: 'b', PolicyDocument: policyOfSize(4240) }),
  );
  const over = await awsError(
    iam.send(
      new PutRolePolicyCommand({ RoleName: 'big-role', PolicyName: 'c', PolicyDocument: policyOfSize(120) }),
    ),
  );
  // AWS: "Maximum policy size of 10240 bytes exceeded for role <name> (Service: Iam, Status Code:
  // 409, ...)", https://github.com/aws/eks-hybrid/pull/596
  assert.deepEqual(over, {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 10240 bytes exceeded for role big-role',
    status: 409,
  });
  const malformed = await awsError(
    iam.send(new PutRolePolicyCommand({ RoleName: 'big-role', PolicyName: 'c', PolicyDocument: TRUST })),
  );
  assert.deepEqual(malformed, {
    code: 'MalformedPolicyDocument',
    message: 'Policy document should not specify a principal.',
    status: 400,
  });
});

test('inline policies survive a restart', async () => {
  server = await server.restart();
  iam = server.iam();
  const got = await iam.send(new GetUserPolicyCommand({ UserName: 'holder', PolicyName: 'ReadBucket' }));
  assert.equal(decodeURIComponent(got.PolicyDocument!), DOCUMENT);
  const group = await iam.send(new GetGroupPolicyCommand({ GroupName: 'holders', PolicyName: 'ReadBucket' }));
  assert.equal(decodeURIComponent(group.PolicyDocument!), DOCUMENT);
});
