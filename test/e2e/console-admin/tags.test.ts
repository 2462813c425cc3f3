// Tags after creation: on a user's, a role's and a customer managed policy's page an administrator
// adds a tag, changes its value and removes it (after a confirmation), through the same operations
// the API offers (the SDK sees the result); AWS's limits are refused with the reason in place, in
// words under the field, AWS's own text kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  ListPolicyTagsCommand,
  PutUserPolicyCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';
import {
  type ConsoleClient,
  errorText,
  noticeText,
  rootClient,
  sectionOf,
  submit,
  userClient,
  visibleText,
} from './admin-client.ts';

let server: Server;
let root: ConsoleClient;
let policyArn: string;
const PASSWORD = 'Tag-Pages-Pass-1!';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
  ],
});

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'tagged-user' }));
  await iam.send(new CreateUserCommand({ UserName: 'full-user' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'tagged-role', AssumeRolePolicyDocument: TRUST }));
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'tagged-policy',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }],
      }),
    }),
  );
  policyArn = created.Policy!.Arn!;
  await iam.send(new CreateUserCommand({ UserName: 'no-tagging' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'no-tagging', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'no-tagging',
      PolicyName: 'all-but-untag',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
          { Effect: 'Deny', Action: 'iam:UntagUser', Resource: '*' },
        ],
      }),
    }),
  );
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test("a user's tags are added, changed and removed from its page, as TagUser and UntagUser", async () => {
  const page = '/console/admin/users/tagged-user';
  const added = await submit(root, page, `${page}/tags/put`, { 'tag-key': 'team', 'tag-value': 'blue' });
  assert.equal(added.posted.status, 303);
  assert.equal(noticeText(added.page), 'The tag was saved.');
  assert.match(
    visibleText(sectionOf(added.page, 'tags-heading')),
    /1 of 50 tags\. Tags of this user Key Value Actions team blue/,
  );

  // The row's "Edit value" form posts the same key with a new value: the value is replaced.
  const changed = await submit(root, page, `${page}/tags/put`, { 'tag-key': 'team', 'tag-value': 'green' });
  assert.equal(noticeText(changed.page), 'The tag was saved.');
  const iam = server.iam();
  assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'tagged-user' }))).Tags, [
    { Key: 'team', Value: 'green' },
  ]);

  // Removing asks first: the button only opens a confirmation, whose own button posts.
  const tags = sectionOf(changed.page, 'tags-heading');
  assert.match(
    tags,
    /<details class="confirm">\s*<summary>Remove tag team<\/summary>[\s\S]*?action="\/console\/admin\/users\/tagged-user\/tags\/remove"[\s\S]*?<button type="submit" class="danger">Yes, remove tag team<\/button>/,
  );
  const removed = await submit(root, page, `${page}/tags/remove`, { 'tag-key': 'team' });
  assert.equal(noticeText(removed.page), 'The tag was removed.');
  assert.match(
    visibleText(sectionOf(removed.page, 'tags-heading')),
    /0 of 50 tags\. Tags of this user: none\./,
  );
  assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'tagged-user' }))).Tags, []);
});

test("a tag key IAM refuses is explained under the field, with AWS's text kept, and the form keeps it", async () => {
  const page = '/console/admin/users/tagged-user';
  const { posted } = await submit(root, page, `${page}/tags/put`, {
    'tag-key': 'bad<key>',
    'tag-value': 'v',
  });
  assert.equal(posted.status, 400);
  assert.match(
    errorText(posted),
    /^The tag key is not valid\. Use letters, digits, spaces and _ \. : \/ = \+ - @ \(1 to 128 characters\)\./,
  );
  const under = /<div class="field-error" id="tag-key-error">([\s\S]*?)<\/div>/.exec(posted.text);
  assert.ok(under, 'the explanation sits under the tag key field');
  assert.match(visibleText(under[1]!), /^The tag key is not valid\. Use letters, digits, spaces/);
  assert.match(
    visibleText(under[1]!),
    /AWS's message ValidationError: 1 validation error detected: Value at 'tags\.1\.member\.key' failed to satisfy constraint: Member must satisfy regular expression pattern/,
  );
  assert.match(posted.text, /id="tag-key"[\s\S]*?value="bad&lt;key&gt;"/);
});

test("keys over 128 characters and values over 256 are refused; a 51st tag is refused with the domain's LimitExceeded", async () => {
  const page = '/console/admin/users/full-user';
  const longKey = await submit(root, page, `${page}/tags/put`, {
    'tag-key': 'k'.repeat(129),
    'tag-value': '',
  });
  assert.equal(longKey.posted.status, 400);
  assert.match(errorText(longKey.posted), /The tag key is not valid/);
  assert.match(errorText(longKey.posted), /Member must have length less than or equal to 128/);
  const longValue = await submit(root, page, `${page}/tags/put`, {
    'tag-key': 'k',
    'tag-value': 'v'.repeat(257),
  });
  assert.equal(longValue.posted.status, 400);
  assert.match(errorText(longValue.posted), /The tag value is not valid/);
  assert.match(errorText(longValue.posted), /Member must have length less than or equal to 256/);

  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `key-${i}`, Value: '' }));
  await server.iam().send(new TagUserCommand({ UserName: 'full-user', Tags: fifty }));
  const full = await submit(root, page, `${page}/tags/put`, { 'tag-key': 'one-more', 'tag-value': 'x' });
  assert.equal(full.posted.status, 409);
  assert.equal(errorText(full.posted), 'LimitExceeded: The number of tags has reached the maximum limit.');
  assert.match(visibleText(sectionOf(full.posted, 'tags-heading')), /50 of 50 tags\./);
  // Changing the value of a key already there is no new tag: allowed at the limit.
  const changed = await submit(root, page, `${page}/tags/put`, {
    'tag-key': 'key-0',
    'tag-value': 'changed',
  });
  assert.equal(noticeText(changed.page), 'The tag was saved.');
});

test("a role's tags are added and removed from its page, as TagRole and UntagRole", async () => {
  const page = '/console/admin/roles/tagged-role';
  const added = await submit(root, page, `${page}/tags/put`, { 'tag-key': 'env', 'tag-value': 'prod' });
  assert.equal(noticeText(added.page), 'The tag was saved.');
  assert.match(
    visibleText(sectionOf(added.page, 'tags-heading')),
    /Tags of this role Key Value Actions env prod/,
  );
  const iam = server.iam();
  assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged-role' }))).Tags, [
    { Key: 'env', Value: 'prod' },
  ]);
  const removed = await submit(root, page, `${page}/tags/remove`, { 'tag-key': 'env' });
  assert.equal(noticeText(removed.page), 'The tag was removed.');
  assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged-role' }))).Tags, []);
});

test("a customer managed policy's tags are added and removed from its page; AWS managed policies have none to edit", async () => {
  const page = `/console/admin/policies/view?arn=${encodeURIComponent(policyArn)}`;
  const added = await submit(root, page, '/console/admin/policies/tags/put', {
    arn: policyArn,
    'tag-key': 'owner',
    'tag-value': 'security',
  });
  assert.equal(added.posted.location, `${page}&tab=tags&notice=tag-saved`);
  assert.match(
    visibleText(sectionOf(added.page, 'tags-heading')),
    /Tags of this policy Key Value Actions owner security/,
  );
  const iam = server.iam();
  assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags, [
    { Key: 'owner', Value: 'security' },
  ]);
  const removed = await submit(root, page, '/console/admin/policies/tags/remove', {
    arn: policyArn,
    'tag-key': 'owner',
  });
  assert.equal(noticeText(removed.page), 'The tag was removed.');
  assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags, []);

  const aws = await root.get(
    `/console/admin/policies/view?arn=${encodeURIComponent('arn:aws:iam::aws:policy/ReadOnlyAccess')}&tab=tags`,
  );
  assert.equal(aws.status, 200);
  assert.equal(sectionOf(aws, 'tags-heading'), '');
  assert.doesNotMatch(aws.text, /id="tab-tags"/, 'no Tags tab for an AWS managed policy');
});

test('removing a tag is authorized as UntagUser: an explicit deny is shown in place and the tag stays', async () => {
  await server
    .iam()
    .send(new TagUserCommand({ UserName: 'tagged-user', Tags: [{ Key: 'keep', Value: 'me' }] }));
  const denied = await userClient(server, 'no-tagging', PASSWORD);
  const page = '/console/admin/users/tagged-user';
  const { posted } = await submit(denied, page, `${page}/tags/remove`, { 'tag-key': 'keep' });
  assert.equal(posted.status, 403);
  assert.match(
    visibleText(posted.text),
    /User: arn:aws:iam::123456789012:user\/no-tagging is not authorized to perform: iam:UntagUser on resource: (user )?arn:aws:iam::123456789012:user\/tagged-user with an explicit deny/,
  );
  assert.deepEqual((await server.iam().send(new ListUserTagsCommand({ UserName: 'tagged-user' }))).Tags, [
    { Key: 'keep', Value: 'me' },
  ]);
});
