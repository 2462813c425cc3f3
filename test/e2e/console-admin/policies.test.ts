// The console's managed policies: the JSON editor shows IAM's validation error in place and keeps
// the text; versions are created, made default and deleted; where a policy is attached; AWS
// managed policies are searched and viewed; what users typed is shown escaped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
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

const ARN = 'arn:aws:iam::123456789012:policy/team/ReadReports';
const VIEW = `/console/admin/policies/view?arn=${encodeURIComponent(ARN)}`;
let server: Server;
let root: ConsoleClient;

const doc = (action: string, resource = '*') =>
  JSON.stringify(
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] },
    null,
    2,
  );

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'Readers' }));
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test("a malformed policy document shows AWS's MalformedPolicyDocument message in place and keeps the text", async () => {
  const typed =
    '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]\n}';
  const { posted } = await submit(root, '/console/admin/policies', '/console/admin/policies/create', {
    'policy-name': 'Broken',
    path: '/',
    'policy-document': typed,
  });
  assert.equal(posted.status, 400);
  // Beside the editor, with where the refused statement begins (its "{" on line 3).
  assert.equal(
    editorError(posted, 'policy-document'),
    'MalformedPolicyDocument: Policy statement must contain resources. Line 3, column 17: statement 1, which IAM refuses, begins here.',
  );
  assert.equal(errorText(posted), editorError(posted, 'policy-document'), 'no other error box above it');
  assert.equal(unescapeHtml(textareaOf(posted, 'policy-document') ?? ''), typed);
  assert.match(posted.text, /id="policy-name"[\s\S]*?value="Broken"/);

  const notJson = await submit(root, '/console/admin/policies', '/console/admin/policies/create', {
    'policy-name': 'Broken',
    path: '/',
    'policy-document': '{"Version": "2012-10-17", "Statement": [',
  });
  // Where the JSON parser stopped: the end of the text, after its 40 characters.
  assert.equal(
    editorError(notJson.posted, 'policy-document'),
    'MalformedPolicyDocument: Syntax errors in policy. Line 1, column 41: the document stops being JSON here.',
  );
  assert.equal(
    textareaOf(notJson.posted, 'policy-document'),
    '{&quot;Version&quot;: &quot;2012-10-17&quot;, &quot;Statement&quot;: [',
  );
  const error = await awsError(
    server.iam().send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::123456789012:policy/Broken' })),
  );
  assert.equal(error.code, 'NoSuchEntity');
});

test("AWS's message quoting what the user typed is shown escaped", async () => {
  const { posted } = await submit(root, '/console/admin/policies', '/console/admin/policies/create', {
    'policy-name': 'Injected',
    path: '/',
    'policy-document': doc('s3:GetObject', '<img src=x onerror=alert(1)>'),
  });
  assert.equal(posted.status, 400);
  assert.equal(
    editorError(posted, 'policy-document'),
    'MalformedPolicyDocument: Resource <img src=x onerror=alert(1)> must be in ARN format or "*". Line 4, column 5: statement 1, which IAM refuses, begins here.',
  );
  assert.doesNotMatch(posted.text, /<img src=x/);
  assert.match(
    posted.text,
    /Resource &lt;img src=x onerror=alert\(1\)&gt; must be in ARN format or &quot;\*&quot;\./,
  );
});

test('a customer managed policy is created from the editor and its page shows the document', async () => {
  const { posted, page } = await submit(root, '/console/admin/policies', '/console/admin/policies/create', {
    'policy-name': 'ReadReports',
    path: '/team/',
    description: 'Reads <reports> & "summaries"',
    'policy-document': doc('s3:GetObject', 'arn:aws:s3:::reports/*'),
  });
  assert.equal(posted.status, 303);
  assert.equal(posted.location, `${VIEW}&notice=created`);
  assert.equal(page.status, 200);
  assert.equal(noticeText(page), 'The policy was created.');
  const summary = sectionOf(page, 'summary-heading');
  assert.match(summary, /Reads &lt;reports&gt; &amp; &quot;summaries&quot;/);
  assert.match(visibleText(summary), /Customer managed/);
  assert.match(visibleText(sectionOf(page, 'document-heading')), /arn:aws:s3:::reports\/\*/);
  const list = await root.get('/console/admin/policies');
  assert.match(visibleText(sectionOf(list, 'policies-heading')), /ReadReports \/team\/ v1 0/);
});

test('a new version is created, made the default, and an old version deleted', async () => {
  const iam = server.iam();
  const created = await submit(root, VIEW, '/console/admin/policies/versions/create', {
    arn: ARN,
    'policy-document': doc('s3:ListBucket', 'arn:aws:s3:::reports'),
  });
  // Posted from the Permissions tab (the editor), and back to it.
  assert.equal(created.posted.location, `${VIEW}&tab=permissions&notice=version-created`);
  assert.equal(noticeText(created.page), 'The policy version was created.');
  assert.match(created.page.text, /<a\s+role="tab"\s+id="tab-permissions"[^>]*aria-selected="true"/);
  let versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: ARN }));
  assert.deepEqual(
    versions.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion]),
    [
      ['v2', false],
      ['v1', true],
    ],
  );
  const versionsTab = await root.get(`${VIEW}&tab=versions`);
  assert.match(visibleText(sectionOf(versionsTab, 'versions-heading')), /v2 \S+ Show v2/);

  const made = await submit(root, `${VIEW}&tab=versions`, '/console/admin/policies/versions/default', {
    arn: ARN,
    'version-id': 'v2',
  });
  assert.equal(made.posted.location, `${VIEW}&tab=versions&notice=version-default`);
  assert.equal(noticeText(made.page), 'The default version was changed.');
  const policy = await iam.send(new GetPolicyCommand({ PolicyArn: ARN }));
  assert.equal(policy.Policy?.DefaultVersionId, 'v2');
  const permissions = await root.get(VIEW);
  assert.match(visibleText(sectionOf(permissions, 'document-heading')), /\(v2\)[\s\S]*s3:ListBucket/);
  // The editor starts from the default version's text.
  assert.match(unescapeHtml(textareaOf(permissions, 'policy-document') ?? ''), /s3:ListBucket/);

  const refused = await submit(root, `${VIEW}&tab=versions`, '/console/admin/policies/versions/delete', {
    arn: ARN,
    'version-id': 'v2',
  });
  assert.equal(refused.posted.status, 409);
  assert.equal(errorText(refused.posted), 'DeleteConflict: Cannot delete the default version of a policy.');

  const deleted = await submit(root, `${VIEW}&tab=versions`, '/console/admin/policies/versions/delete', {
    arn: ARN,
    'version-id': 'v1',
  });
  assert.equal(noticeText(deleted.page), 'The policy version was deleted.');
  versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: ARN }));
  assert.deepEqual(
    versions.Versions?.map((v) => v.VersionId),
    ['v2'],
  );
});

test("a bad new version keeps the typed text and shows the engine's message", async () => {
  const typed =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3GetObject","Resource":"*"}]}';
  const { posted } = await submit(root, VIEW, '/console/admin/policies/versions/create', {
    arn: ARN,
    'policy-document': typed,
    'set-as-default': 'true',
  });
  assert.equal(posted.status, 400);
  // A one-line document: its statement's "{" is the 38th character.
  assert.equal(
    editorError(posted, 'policy-document'),
    'MalformedPolicyDocument: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Line 1, column 38: statement 1, which IAM refuses, begins here.',
  );
  assert.equal(unescapeHtml(textareaOf(posted, 'policy-document') ?? ''), typed);
  const version = await server.iam().send(new GetPolicyVersionCommand({ PolicyArn: ARN, VersionId: 'v2' }));
  assert.equal(version.PolicyVersion?.IsDefaultVersion, true);
});

test("the policy's page lists the users, groups and roles it is attached to", async () => {
  const iam = server.iam();
  await iam.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: ARN }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Readers', PolicyArn: ARN }));
  const page = await root.get(`${VIEW}&tab=entities-attached`);
  const attached = visibleText(sectionOf(page, 'entities-heading'));
  assert.match(attached, /Readers Group/);
  assert.match(attached, /reader User/);
  assert.match(sectionOf(page, 'entities-heading'), /href="\/console\/admin\/users\/reader"/);
});

test('AWS managed policies are searched by name and viewed, without edit or delete', async () => {
  const search = await root.get('/console/admin/policies/aws?q=iamreadonly');
  assert.equal(search.status, 200);
  const results = visibleText(sectionOf(search, 'results-heading'));
  assert.match(results, /IAMReadOnlyAccess/);
  assert.doesNotMatch(results, /AdministratorAccess/);
  const view = await root.get(
    `/console/admin/policies/view?arn=${encodeURIComponent('arn:aws:iam::aws:policy/IAMReadOnlyAccess')}`,
  );
  assert.equal(view.status, 200);
  assert.match(visibleText(sectionOf(view, 'summary-heading')), /AWS managed/);
  assert.match(visibleText(sectionOf(view, 'document-heading')), /iam:Get/);
  assert.doesNotMatch(view.text, /Delete policy|Save changes/);
  // Every version AWS keeps is listed; of the newest five, those whose documents the catalog holds
  // show them (v12 does, v1 is too old to).
  const power = await root.get(
    `/console/admin/policies/view?arn=${encodeURIComponent('arn:aws:iam::aws:policy/PowerUserAccess')}&tab=versions`,
  );
  assert.equal(power.status, 200);
  const versions = visibleText(sectionOf(power, 'versions-heading'));
  assert.match(power.text, /id="tab-versions"[^>]*aria-selected="true"/);
  for (const id of ['v12', 'v2', 'v1']) assert.match(versions, new RegExp(`\\b${id}\\b`));
  const shown: string[] = power.text.match(/<summary>Show v\d+<\/summary>/g) ?? [];
  assert.ok(shown.length >= 1 && shown.length <= 5, `${shown.length} documents`);
  assert.ok(shown.includes('<summary>Show v12</summary>'));
  assert.ok(!shown.includes('<summary>Show v1</summary>'));
  const escaped = await root.get('/console/admin/policies/aws?q=%3Cscript%3E');
  assert.doesNotMatch(escaped.text, /<script>/);
  assert.match(escaped.text, /&lt;script&gt;/);
});

test('deleting a policy detaches it and deletes its versions first', async () => {
  const { posted, page } = await submit(root, VIEW, '/console/admin/policies/delete', {
    arn: ARN,
    confirm: 'ReadReports',
  });
  assert.equal(posted.location, '/console/admin/policies?notice=deleted');
  assert.equal(noticeText(page), 'The policy was deleted.');
  const error = await awsError(server.iam().send(new GetPolicyCommand({ PolicyArn: ARN })));
  assert.equal(error.code, 'NoSuchEntity');
});
