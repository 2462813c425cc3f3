// The console's groups and roles: groups with members and policies; roles created with a trust
// policy, its trust policy edited (UpdateAssumeRolePolicy), the maximum session duration changed,
// policies attached, and deletion; what was typed is kept and shown escaped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateUserCommand,
  GetGroupCommand,
  GetRoleCommand,
  ListAttachedGroupPoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';
import {
  ConsoleClient,
  editorError,
  errorText,
  noticeText,
  rootClient,
  sectionOf,
  submit,
  textareaOf,
  unescapeHtml,
  visibleText,
} from './admin-client.ts';

let server: Server;
let root: ConsoleClient;

const trust = (principal: Record<string, string>) =>
  JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
    },
    null,
    2,
  );

before(async () => {
  server = await startServer();
  await server.iam().send(new CreateUserCommand({ UserName: 'bob' }));
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test('a group is created, gets a member and a policy, and is deleted with them', async () => {
  const created = await submit(root, '/console/admin/groups', '/console/admin/groups/create', {
    'group-name': 'Ops',
    path: '/',
  });
  assert.equal(created.posted.location, '/console/admin/groups/Ops?notice=created');
  assert.equal(noticeText(created.page), 'The group was created.');
  const added = await submit(root, '/console/admin/groups/Ops', '/console/admin/groups/Ops/members/add', {
    'user-name': 'bob',
  });
  assert.equal(added.posted.location, '/console/admin/groups/Ops?tab=users&notice=member-added');
  assert.equal(noticeText(added.page), 'The user was added to the group.');
  assert.match(
    visibleText(sectionOf(added.page, 'members-heading')),
    /bob arn:aws:iam::123456789012:user\/bob/,
  );
  // A member is not offered again: bob was the only user, so there is no one left to add.
  assert.doesNotMatch(added.page.text, /<option value="bob"/);
  assert.match(visibleText(added.page.text), /Every user of the account is in this group\./);
  await submit(root, '/console/admin/groups/Ops', '/console/admin/groups/Ops/policies/attach', {
    'policy-pick': '',
    'policy-arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  });
  await submit(root, '/console/admin/groups/Ops', '/console/admin/groups/Ops/policies/inline/put', {
    'policy-name': 'ops-inline',
    'policy-document':
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}',
  });
  const page = await root.get('/console/admin/groups/Ops?tab=permissions');
  assert.match(visibleText(sectionOf(page, 'attached-group')), /ReadOnlyAccess/);
  assert.match(visibleText(sectionOf(page, 'inline-group')), /ops-inline/);
  const iam = server.iam();
  const group = await iam.send(new GetGroupCommand({ GroupName: 'Ops' }));
  assert.deepEqual(
    group.Users?.map((u) => u.UserName),
    ['bob'],
  );
  const attached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Ops' }));
  assert.deepEqual(
    attached.AttachedPolicies?.map((p) => p.PolicyName),
    ['ReadOnlyAccess'],
  );

  const removed = await submit(
    root,
    '/console/admin/groups/Ops',
    '/console/admin/groups/Ops/members/remove',
    {
      'user-name': 'bob',
    },
  );
  assert.equal(noticeText(removed.page), 'The user was removed from the group.');
  await submit(root, '/console/admin/groups/Ops', '/console/admin/groups/Ops/members/add', {
    'user-name': 'bob',
  });
  const deleted = await submit(root, '/console/admin/groups/Ops', '/console/admin/groups/Ops/delete', {
    confirm: 'Ops',
  });
  assert.equal(deleted.posted.location, '/console/admin/groups?notice=deleted');
  assert.equal(noticeText(deleted.page), 'The group was deleted.');
  const error = await awsError(iam.send(new GetGroupCommand({ GroupName: 'Ops' })));
  assert.equal(error.code, 'NoSuchEntity');
});

test("a missing group's page shows AWS's NoSuchEntity message in place", async () => {
  const page = await root.get('/console/admin/groups/Nope');
  assert.equal(page.status, 200);
  assert.equal(
    visibleText(sectionOf(page, 'summary-heading')),
    'Summary NoSuchEntity: The group with name Nope cannot be found.',
  );
});

test('a role is created with a trust policy and its trust policy is edited', async () => {
  const created = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    'role-name': 'deployer',
    path: '/',
    description: 'Deploys <things> & "stuff"',
    'max-session-duration': '7200',
    'trust-policy': trust({ Service: 'ec2.amazonaws.com' }),
  });
  assert.equal(created.posted.location, '/console/admin/roles/deployer?notice=created');
  const summary = sectionOf(created.page, 'summary-heading');
  assert.match(summary, /Deploys &lt;things&gt; &amp; &quot;stuff&quot;/);
  assert.match(visibleText(summary), /7200 seconds/);
  const trustTab = await root.get('/console/admin/roles/deployer?tab=trust-relationships');
  assert.match(unescapeHtml(textareaOf(trustTab, 'trust-policy') ?? ''), /ec2\.amazonaws\.com/);

  const updated = await submit(
    root,
    '/console/admin/roles/deployer',
    '/console/admin/roles/deployer/trust-policy',
    {
      'trust-policy': trust({ AWS: 'arn:aws:iam::123456789012:root' }),
    },
  );
  assert.equal(
    updated.posted.location,
    '/console/admin/roles/deployer?tab=trust-relationships&notice=trust-updated',
  );
  assert.equal(noticeText(updated.page), 'The trust policy was updated.');
  const role = await server.iam().send(new GetRoleCommand({ RoleName: 'deployer' }));
  assert.match(
    decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''),
    /arn:aws:iam::123456789012:root/,
  );
});

test("a bad trust policy shows IAM's message in place and keeps the text", async () => {
  const typed = trust({ AWS: 'arn:aws:iam::123456789012:root' }).replace('sts:AssumeRole', 's3:GetObject');
  const { posted } = await submit(
    root,
    '/console/admin/roles/deployer',
    '/console/admin/roles/deployer/trust-policy',
    {
      'trust-policy': typed,
    },
  );
  assert.equal(posted.status, 400);
  // Beside the trust policy editor, at the refused statement's "{" (line 4 of the pretty-printed text).
  assert.equal(
    editorError(posted, 'trust-policy'),
    'MalformedPolicyDocument: AssumeRole policy may only specify STS AssumeRole actions. Line 4, column 5: statement 1, which IAM refuses, begins here.',
  );
  assert.equal(errorText(posted), editorError(posted, 'trust-policy'), 'no other error box above it');
  assert.equal(unescapeHtml(textareaOf(posted, 'trust-policy') ?? ''), typed);
});

test("the maximum session duration is changed, and a value out of range gets the API's message", async () => {
  const ok = await submit(root, '/console/admin/roles/deployer', '/console/admin/roles/deployer/update', {
    description: 'Deploys',
    'max-session-duration': '43200',
    tab: 'tags',
  });
  // The settings sit above the tabs: back to the tab they were changed on.
  assert.equal(ok.posted.location, '/console/admin/roles/deployer?tab=tags&notice=updated');
  assert.equal(noticeText(ok.page), 'The role was updated.');
  const role = await server.iam().send(new GetRoleCommand({ RoleName: 'deployer' }));
  assert.equal(role.Role?.MaxSessionDuration, 43200);
  const bad = await submit(root, '/console/admin/roles/deployer', '/console/admin/roles/deployer/update', {
    description: 'Deploys',
    'max-session-duration': '60',
  });
  assert.equal(bad.posted.status, 400);
  assert.equal(
    errorText(bad.posted),
    "ValidationError: 1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
  );
});

test('a role gets attached and inline policies, and is deleted with them', async () => {
  await submit(root, '/console/admin/roles/deployer', '/console/admin/roles/deployer/policies/attach', {
    'policy-arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  });
  const inline = await submit(
    root,
    '/console/admin/roles/deployer',
    '/console/admin/roles/deployer/policies/inline/put',
    {
      'policy-name': 'deploy',
      'policy-document':
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}',
    },
  );
  assert.equal(noticeText(inline.page), 'The inline policy was saved.');
  assert.match(visibleText(sectionOf(inline.page, 'attached-role')), /ReadOnlyAccess/);
  const iam = server.iam();
  const names = await iam.send(new ListRolePoliciesCommand({ RoleName: 'deployer' }));
  assert.deepEqual(names.PolicyNames, ['deploy']);
  const deleted = await submit(
    root,
    '/console/admin/roles/deployer',
    '/console/admin/roles/deployer/delete',
    {
      confirm: 'deployer',
    },
  );
  assert.equal(deleted.posted.location, '/console/admin/roles?notice=deleted');
  const error = await awsError(iam.send(new GetRoleCommand({ RoleName: 'deployer' })));
  assert.equal(error.code, 'NoSuchEntity');
});

test('the administration overview links every page and each page marks itself current', async () => {
  const page = await root.get('/console/admin');
  assert.equal(page.status, 200);
  for (const href of ['users', 'groups', 'roles', 'policies', 'credential-report', 'simulator']) {
    assert.match(page.text, new RegExp(`href="/console/admin/${href}"`));
  }
  const roles = await root.get('/console/admin/roles');
  assert.match(roles.text, /<a href="\/console\/admin\/roles" aria-current="page"/);
});
