// The console's user administration: an administrator creates a user with a console password,
// puts it in a group, attaches policies and manages its keys from the pages; a user without
// permission sees AWS's AccessDenied message in place; forms need the session's CSRF token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';
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
  userClient,
  visibleText,
} from './admin-client.ts';

const PASSWORD = 'Admin-Pages-Pass-1!';
let server: Server;
let root: ConsoleClient;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'nobody', Password: PASSWORD }));
  await iam.send(new CreateUserCommand({ UserName: 'denied-lister' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'denied-lister', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'denied-lister',
      PolicyName: 'deny-list',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
          { Effect: 'Deny', Action: 'iam:ListUsers', Resource: '*' },
        ],
      }),
    }),
  );
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test('the root user creates a user with a console password that must be reset, from the users page', async () => {
  const { posted, page } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'alice',
    path: '/',
    'console-access': 'true',
    password: PASSWORD,
    'password-reset-required': 'true',
    'tag-key': 'team',
    'tag-value': 'blue',
  });
  assert.equal(posted.status, 303);
  assert.equal(posted.location, '/console/admin/users/alice?notice=created');
  assert.equal(page.status, 200);
  assert.equal(noticeText(page), 'The user was created.');
  assert.match(visibleText(sectionOf(page, 'summary-heading')), /ARN arn:aws:iam::123456789012:user\/alice/);
  const credentials = visibleText(
    (await root.get('/console/admin/users/alice?tab=security-credentials')).text,
  );
  assert.match(credentials, /Console access is enabled\./);
  assert.match(credentials, /must create a new password at next sign-in/);
  const tags = await root.get('/console/admin/users/alice?tab=tags');
  assert.match(visibleText(sectionOf(tags, 'tags-heading')), /team blue/);

  const iam = server.iam();
  const profile = await iam.send(new GetLoginProfileCommand({ UserName: 'alice' }));
  assert.equal(profile.LoginProfile?.PasswordResetRequired, true);
  const list = await root.get('/console/admin/users');
  assert.match(list.text, /<a href="\/console\/admin\/users\/alice">alice<\/a>/);

  // The new user signs in with that password and is sent to change it first.
  const alice = new ConsoleClient(server.url);
  await alice.get('/console');
  const signedIn = await alice.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'alice',
    password: PASSWORD,
  });
  assert.equal(signedIn.status, 303);
  assert.equal(signedIn.location, '/console/change-password');
});

test("a password the account's policy refuses creates nothing, and the page names the rules it breaks", async () => {
  const { posted, page } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'weak-password',
    path: '/',
    'console-access': 'true',
    password: 'onlylowercaseletters',
  });
  assert.equal(posted.status, 400);
  assert.match(errorText(page), /the user was not created/);
  assert.match(errorText(page), /Include a minimum of three of the following mix of character types/);
  assert.match(page.text, /value="weak-password"/, 'the form keeps what was typed, but not the password');
  assert.doesNotMatch(page.text, /onlylowercaseletters/);
  const error = await awsError(server.iam().send(new GetUserCommand({ UserName: 'weak-password' })));
  assert.equal(error.code, 'NoSuchEntity');
});

test('a user created without console access has no password', async () => {
  const { page } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'no-console',
    path: '/',
    password: '',
  });
  assert.equal(page.status, 200);
  const credentials = await root.get('/console/admin/users/no-console?tab=security-credentials');
  assert.match(visibleText(credentials.text), /Console access is disabled/);
  const error = await awsError(server.iam().send(new GetLoginProfileCommand({ UserName: 'no-console' })));
  assert.equal(error.code, 'NoSuchEntity');
});

test("creating a user that exists shows AWS's EntityAlreadyExists message and keeps the form", async () => {
  const { page } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'alice',
    path: '/',
  });
  assert.equal(page.status, 409);
  assert.equal(errorText(page), 'EntityAlreadyExists: User with name alice already exists.');
  assert.match(page.text, /id="user-name"[\s\S]*?value="alice"/);
});

test("a name IAM does not allow is explained in words under the field, AWS's message kept, shown escaped", async () => {
  const { page } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': '<script>alert(1)</script>',
    path: '/',
  });
  assert.equal(page.status, 400);
  const aws =
    "ValidationError: 1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+";
  assert.equal(
    errorText(page),
    `The user name is not valid. Use letters, digits and + = , . @ _ - (up to 64 characters). AWS's message ${aws}`,
  );
  const under = /<div class="field-error" id="user-name-error">([\s\S]*?)<\/div>/.exec(page.text);
  assert.ok(under, 'the explanation sits under the user name field');
  assert.equal(
    visibleText(under[1]!),
    `The user name is not valid. Use letters, digits and + = , . @ _ - (up to 64 characters). AWS's message ${aws}`,
  );
  assert.match(under[1]!, /<details class="aws-text">\s*<summary>AWS's message<\/summary>/);
  assert.doesNotMatch(page.text, /<script>alert/);
  assert.match(page.text, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
});

test('a name with every punctuation IAM allows works in links and actions; tags IAM refuses are refused', async () => {
  const name = 'a+b=c,d.e@f-g_h';
  const encoded = encodeURIComponent(name);
  const { posted, page } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': name,
    path: '/',
    'tag-key': 'owner:team',
    'tag-value': 'x=y+z@w/1.2',
  });
  assert.equal(posted.location, `/console/admin/users/${encoded}?notice=created`);
  assert.equal(page.status, 200);
  const tags = await root.get(`/console/admin/users/${encoded}?tab=tags`);
  assert.match(visibleText(sectionOf(tags, 'tags-heading')), /owner:team x=y\+z@w\/1\.2/);
  assert.match(
    page.text,
    new RegExp(`action="/console/admin/users/${encoded.replace(/[.+]/g, '\\$&')}/policies/attach"`),
  );
  const attached = await submit(
    root,
    `/console/admin/users/${encoded}`,
    `/console/admin/users/${encoded}/policies/attach`,
    {
      'policy-arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    },
  );
  assert.equal(noticeText(attached.page), 'The policy was attached.');
  const list = await root.get('/console/admin/users');
  assert.match(
    list.text,
    new RegExp(`<a href="/console/admin/users/${encoded.replace(/[.+]/g, '\\$&')}">a\\+b=c,d\\.e@f-g_h</a>`),
  );

  const refused = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'tagged',
    path: '/',
    'tag-key': 'note',
    'tag-value': '<b>"hi"</b>',
  });
  assert.equal(refused.posted.status, 400);
  assert.equal(
    errorText(refused.posted),
    "The tag value is not valid. Use letters, digits, spaces and _ . : / = + - @ (up to 256 characters, or leave it empty). AWS's message ValidationError: 1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
  );
  assert.match(refused.posted.text, /<div class="field-error" id="tag-value-error">/);
  assert.doesNotMatch(refused.posted.text, /<b>/);
  assert.match(refused.posted.text, /value="&lt;b&gt;&quot;hi&quot;&lt;\/b&gt;"/);
});

test('the user is added to a group and a managed policy is attached, and the detail page shows both', async () => {
  await submit(root, '/console/admin/groups', '/console/admin/groups/create', {
    'group-name': 'Developers',
    path: '/',
  });
  const added = await submit(root, '/console/admin/users/alice', '/console/admin/users/alice/groups/add', {
    'group-name': 'Developers',
  });
  assert.equal(added.posted.location, '/console/admin/users/alice?tab=groups&notice=group-added');
  assert.equal(noticeText(added.page), 'The user was added to the group.');
  const attached = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/attach',
    {
      'policy-arn': 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    },
  );
  assert.equal(attached.posted.location, '/console/admin/users/alice?tab=permissions&notice=attached');

  const page = await root.get('/console/admin/users/alice');
  const groups = visibleText(
    sectionOf(await root.get('/console/admin/users/alice?tab=groups'), 'groups-heading'),
  );
  assert.match(groups, /Developers arn:aws:iam::123456789012:group\/Developers/);
  const policies = visibleText(sectionOf(page, 'attached-user'));
  assert.match(policies, /IAMReadOnlyAccess arn:aws:iam::aws:policy\/IAMReadOnlyAccess/);

  const iam = server.iam();
  const memberOf = await iam.send(new ListGroupsForUserCommand({ UserName: 'alice' }));
  assert.deepEqual(
    memberOf.Groups?.map((g) => g.GroupName),
    ['Developers'],
  );
  const policyList = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
  assert.deepEqual(
    policyList.AttachedPolicies?.map((p) => p.PolicyName),
    ['IAMReadOnlyAccess'],
  );

  const detached = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/detach',
    {
      'policy-arn': 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    },
  );
  assert.equal(noticeText(detached.page), 'The policy was detached.');
  const removed = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/groups/remove',
    {
      'group-name': 'Developers',
    },
  );
  assert.equal(noticeText(removed.page), 'The user was removed from the group.');
  assert.match(visibleText(sectionOf(removed.page, 'groups-heading')), /Groups this user belongs to: none\./);
});

test("attaching a policy that does not exist shows AWS's NoSuchEntity message in place", async () => {
  const { posted } = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/attach',
    {
      'policy-arn': 'arn:aws:iam::aws:policy/NoSuchPolicyAtAll',
    },
  );
  assert.equal(posted.status, 404);
  assert.equal(
    errorText(posted),
    'NoSuchEntity: Policy arn:aws:iam::aws:policy/NoSuchPolicyAtAll does not exist or is not attachable.',
  );
  assert.match(posted.text, /id="attach-arn"[\s\S]*?value="arn:aws:iam::aws:policy\/NoSuchPolicyAtAll"/);
});

test('inline policies are added, shown escaped, replaced and deleted', async () => {
  const document = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/<b>&"x"</b>' }],
    },
    null,
    2,
  );
  const saved = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/inline/put',
    {
      'policy-name': 'read-bucket',
      'policy-document': document,
    },
  );
  assert.equal(saved.posted.location, '/console/admin/users/alice?tab=permissions&notice=inline-saved');
  const inline = sectionOf(saved.page, 'inline-user');
  assert.match(inline, /read-bucket/);
  assert.doesNotMatch(inline, /<b>/);
  assert.match(inline, /bucket\/&lt;b&gt;&amp;\\&quot;x\\&quot;&lt;\/b&gt;/);

  const replaced = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/inline/put',
    {
      'policy-name': 'read-bucket',
      'policy-document':
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}',
    },
  );
  assert.equal(noticeText(replaced.page), 'The inline policy was saved.');
  const replacedSection = visibleText(sectionOf(replaced.page, 'inline-user'));
  assert.match(replacedSection, /s3:ListBucket/);
  assert.doesNotMatch(replacedSection, /s3:GetObject/);

  const bad = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/inline/put',
    {
      'policy-name': 'read-bucket',
      'policy-document': '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}',
    },
  );
  assert.equal(bad.posted.status, 400);
  // Beside the editor, at the refused statement's "{" (the 38th character of the one line).
  assert.equal(
    editorError(bad.posted, 'inline-document'),
    'MalformedPolicyDocument: Policy statement must contain resources. Line 1, column 38: statement 1, which IAM refuses, begins here.',
  );
  assert.equal(
    errorText(bad.posted),
    editorError(bad.posted, 'inline-document'),
    'no other error box above it',
  );
  assert.equal(
    unescapeHtml(textareaOf(bad.posted, 'inline-document') ?? ''),
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}',
  );

  const deleted = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/policies/inline/delete',
    {
      'policy-name': 'read-bucket',
    },
  );
  assert.equal(noticeText(deleted.page), 'The inline policy was deleted.');
  assert.match(visibleText(sectionOf(deleted.page, 'inline-user')), /Inline policies of this user: none\./);
});

test("the user's access keys are listed, made inactive and active again, and deleted", async () => {
  const iam = server.iam();
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  const id = key.AccessKey!.AccessKeyId!;
  let page = await root.get('/console/admin/users/alice?tab=security-credentials');
  assert.match(visibleText(sectionOf(page, 'keys-heading')), new RegExp(`${id} Active`));
  const inactive = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/access-keys/status',
    {
      id,
      status: 'Inactive',
    },
  );
  assert.equal(noticeText(inactive.page), 'The access key was updated.');
  assert.match(visibleText(sectionOf(inactive.page, 'keys-heading')), new RegExp(`${id} Inactive`));
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
  assert.equal(listed.AccessKeyMetadata?.[0]?.Status, 'Inactive');
  await submit(root, '/console/admin/users/alice', '/console/admin/users/alice/access-keys/delete', { id });
  page = await root.get('/console/admin/users/alice?tab=security-credentials');
  assert.match(visibleText(sectionOf(page, 'keys-heading')), /Access keys of this user: none\./);
});

test("the user's MFA status is shown from ListMFADevices", async () => {
  const page = await root.get('/console/admin/users/alice?tab=security-credentials');
  assert.match(visibleText(sectionOf(page, 'mfa-heading')), /MFA: not enabled/);
  const iam = server.iam();
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone' }));
  const seed = Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('utf8');
  const now = server.now();
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'alice',
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: totpCode(seed, now - 30_000),
      AuthenticationCode2: totpCode(seed, now),
    }),
  );
  const after = await root.get('/console/admin/users/alice?tab=security-credentials');
  assert.match(
    visibleText(sectionOf(after, 'mfa-heading')),
    /MFA: enabled .*arn:aws:iam::123456789012:mfa\/alice-phone/,
  );
});

test("an administrator resynchronizes and deactivates another user's MFA device from the user's page", async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'mfa-holder' }));
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'holder-phone' }));
  const serial = device.VirtualMFADevice!.SerialNumber!;
  const seed = Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('utf8');
  const now = server.now();
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'mfa-holder',
      SerialNumber: serial,
      AuthenticationCode1: totpCode(seed, now - 60_000),
      AuthenticationCode2: totpCode(seed, now - 30_000),
    }),
  );
  const userPage = '/console/admin/users/mfa-holder';

  const wrong = await submit(root, userPage, `${userPage}/mfa/resync`, {
    'serial-number': serial,
    'code-1': '000000',
    'code-2': '000001',
  });
  assert.match(errorText(wrong.page), /InvalidAuthenticationCode/);
  const notCodes = await submit(root, userPage, `${userPage}/mfa/resync`, {
    'serial-number': serial,
    'code-1': '12345',
    'code-2': 'abcdef',
  });
  assert.match(errorText(notCodes.page), /two consecutive six-digit codes/);

  // The device drifted: two consecutive codes read out now bring it back in step.
  const later = server.now() + 120_000;
  const resynced = await submit(root, userPage, `${userPage}/mfa/resync`, {
    'serial-number': serial,
    'code-1': totpCode(seed, later - 30_000),
    'code-2': totpCode(seed, later),
  });
  assert.equal(noticeText(resynced.page), 'The MFA device was resynchronized.');

  const deactivated = await submit(root, userPage, `${userPage}/mfa/deactivate`, { 'serial-number': serial });
  // Posted from the Security credentials tab, and back to it.
  assert.equal(deactivated.posted.location, `${userPage}?tab=security-credentials&notice=mfa-deactivated`);
  assert.equal(
    noticeText(deactivated.page),
    'The MFA device was deactivated: it no longer protects this user.',
  );
  assert.match(visibleText(sectionOf(deactivated.page, 'mfa-heading')), /MFA: not enabled/);
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'mfa-holder' }))).MFADevices, []);
  // As DeactivateMFADevice leaves it: the virtual device stays, unassigned, for another enrolment.
  const unassigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
  assert.ok(unassigned.VirtualMFADevices?.some((d) => d.SerialNumber === serial));

  const denied = await userClient(server, 'nobody', PASSWORD);
  const refused = await submit(denied, userPage, `${userPage}/mfa/deactivate`, { 'serial-number': serial });
  assert.match(errorText(refused.page), /not authorized to perform: iam:DeactivateMFADevice/);
});

test('each access key shows when it was last used, by which service and Region, or that it never was', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'key-user' }));
  const used = (await iam.send(new CreateAccessKeyCommand({ UserName: 'key-user' }))).AccessKey!;
  const unused = (await iam.send(new CreateAccessKeyCommand({ UserName: 'key-user' }))).AccessKey!;
  await server
    .sts({ accessKeyId: used.AccessKeyId!, secretAccessKey: used.SecretAccessKey! })
    .send(new GetCallerIdentityCommand({}));
  const keys = visibleText(
    sectionOf(await root.get('/console/admin/users/key-user?tab=security-credentials'), 'keys-heading'),
  );
  assert.match(keys, new RegExp(`${used.AccessKeyId} Active \\S+ \\S+ \\(sts, us-east-1\\)`));
  assert.match(keys, new RegExp(`${unused.AccessKeyId} Active \\S+ Never`));
});

test("a form posted without the session's CSRF token is refused and changes nothing", async () => {
  await root.get('/console/admin/users');
  const posted = await root.post('/console/admin/users/create', {
    csrf: '',
    'user-name': 'csrf-victim',
    path: '/',
  });
  assert.equal(posted.status, 403);
  assert.match(visibleText(posted.text), /The form was not accepted/);
  const forged = await root.post('/console/admin/users/create', {
    csrf: 'A'.repeat(43),
    'user-name': 'csrf-victim',
  });
  assert.equal(forged.status, 403);
  const crossSite = await root.post(
    '/console/admin/users/create',
    { 'user-name': 'csrf-victim' },
    { origin: 'https://evil.example' },
  );
  assert.equal(crossSite.status, 403);
  const error = await awsError(server.iam().send(new GetUserCommand({ UserName: 'csrf-victim' })));
  assert.equal(error.code, 'NoSuchEntity');
});

test("a user without permissions sees AWS's AccessDenied message on the users page while the rest renders", async () => {
  const client = await userClient(server, 'nobody', PASSWORD);
  const page = await client.get('/console/admin/users');
  assert.equal(page.status, 200);
  const users = visibleText(sectionOf(page, 'users-heading'));
  assert.match(
    users,
    /Access denied\. User: arn:aws:iam::123456789012:user\/nobody is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user\/ because no identity-based policy allows the iam:ListUsers action/,
  );
  assert.doesNotMatch(users, /alice/);
  // The rest of the page works: the navigation and the create form are there.
  assert.match(page.text, /<nav aria-label="Administration"/);
  assert.match(page.text, /<button type="submit">Create user<\/button>/);

  const create = await client.post('/console/admin/users/create', { 'user-name': 'sneaky', path: '/' });
  assert.equal(create.status, 403);
  assert.match(
    errorText(create),
    /User: arn:aws:iam::123456789012:user\/nobody is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user\/sneaky because no identity-based policy allows the iam:CreateUser action/,
  );
  const detail = await client.get('/console/admin/users/alice');
  // Nothing of alice's but the ARN AWS's message names: no tags, no ids, no groups.
  assert.doesNotMatch(detail.text, /team|blue|AIDA|Developers/);
  assert.match(visibleText(sectionOf(detail, 'summary-heading')), /not authorized to perform: iam:GetUser/);
});

test("an explicit deny is shown with AWS's explicit-deny message", async () => {
  const client = await userClient(server, 'denied-lister', PASSWORD);
  const page = await client.get('/console/admin/users');
  assert.match(
    visibleText(sectionOf(page, 'users-heading')),
    /User: arn:aws:iam::123456789012:user\/denied-lister is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user\/ with an explicit deny in an identity-based policy/,
  );
  // Allowed pages work for the same user.
  const groups = await client.get('/console/admin/groups');
  assert.match(visibleText(groups.text), /User groups in this account/);
});

test('deleting a user removes its password, keys, groups and policies first, as the AWS console does', async () => {
  const iam = server.iam();
  await submit(root, '/console/admin/users/alice', '/console/admin/users/alice/groups/add', {
    'group-name': 'Developers',
  });
  await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  // The Delete form above the tabs names the tab it is on; a refusal is shown on that tab.
  const tags = await root.get('/console/admin/users/alice?tab=tags');
  assert.match(tags.text, /<input type="hidden" name="tab" value="tags" \/>/);
  const unconfirmed = await submit(
    root,
    '/console/admin/users/alice?tab=tags',
    '/console/admin/users/alice/delete',
    {
      confirm: 'wrong',
      tab: 'tags',
    },
  );
  assert.equal(unconfirmed.posted.status, 400);
  assert.match(errorText(unconfirmed.posted), /type the user name/);
  assert.match(unconfirmed.posted.text, /id="tab-tags"[^>]*aria-selected="true"/);
  const { posted, page } = await submit(
    root,
    '/console/admin/users/alice',
    '/console/admin/users/alice/delete',
    {
      confirm: 'alice',
    },
  );
  assert.equal(posted.location, '/console/admin/users?notice=deleted');
  assert.equal(noticeText(page), 'The user was deleted.');
  const error = await awsError(iam.send(new GetUserCommand({ UserName: 'alice' })));
  assert.equal(error.code, 'NoSuchEntity');
  assert.equal(ROOT.accountId, '123456789012');
});
