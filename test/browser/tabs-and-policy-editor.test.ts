// Entity pages as tabs, and a policy editor's refusal beside the editor, in a real browser (Chromium
// through playwright-core, scripts off) against the real server: each tab shows its own sections
// under the same summary, a tab is reached with the keyboard, a form posted from a tab that is not
// the first comes back to that tab, and a document IAM refuses is explained next to the editor with
// the line and column, the editor marked invalid and still holding what was typed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, signInRoot } from './browser.ts';

let server: Server;
let browser: Browser;
let page: Page;
let keyId: string;

const POLICY_ARN = `arn:aws:iam::${ROOT.accountId}:policy/ReadReports`;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'dana', Tags: [{ Key: 'team', Value: 'blue' }] }));
  keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dana' }))).AccessKey!.AccessKeyId!;
  await iam.send(new CreateGroupCommand({ GroupName: 'Readers' }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Builder',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ReadReports',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' }],
      }),
    }),
  );
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
  await signInRoot(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;
const heading = (name: string) => page.getByRole('heading', { name, exact: true });

async function tabNames(): Promise<string[]> {
  return page.getByRole('tablist').getByRole('tab').allInnerTexts();
}

async function selectedTab(): Promise<string> {
  return page.getByRole('tab', { selected: true }).innerText();
}

test("a user's page is tabs under one summary, each tab showing its own sections", async () => {
  await page.goto(url('/console/admin/users/dana'));
  assert.deepEqual(await tabNames(), [
    'Permissions',
    'Groups',
    'Tags',
    'Security credentials',
    'Access Advisor',
  ]);
  assert.equal(await selectedTab(), 'Permissions');
  assert.equal(await heading('Summary').isVisible(), true);
  assert.equal(await heading('Attached managed policies').isVisible(), true);
  assert.equal(await heading('Access keys').count(), 0);
  assert.equal(await page.getByRole('tabpanel').getAttribute('aria-labelledby'), 'tab-permissions');

  // The tabs are links: reached with Tab and followed with Enter.
  const credentials = page.getByRole('tab', { name: 'Security credentials' });
  await credentials.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/admin\/users\/dana\?tab=security-credentials$/);
  assert.equal(await selectedTab(), 'Security credentials');
  assert.equal(await heading('Summary').isVisible(), true);
  assert.match(
    await page.getByRole('table', { name: 'Access keys of this user' }).innerText(),
    new RegExp(keyId),
  );
  assert.equal(await heading('Attached managed policies').count(), 0);

  await page.getByRole('tab', { name: 'Tags' }).click();
  await page.waitForURL(/\?tab=tags$/);
  assert.match(await page.getByRole('table', { name: 'Tags of this user' }).innerText(), /team\s+blue/);
  assert.equal(await heading('Access keys').count(), 0);

  // A tab the page does not have shows the first one.
  await page.goto(url('/console/admin/users/dana?tab=nonsense'));
  assert.equal(await selectedTab(), 'Permissions');
});

test('groups, roles and policies have the tabs the AWS console gives them', async () => {
  await page.goto(url('/console/admin/groups/Readers'));
  assert.deepEqual(await tabNames(), ['Users', 'Permissions', 'Access Advisor']);
  assert.equal(await heading('Users in this group').isVisible(), true);
  await page.getByRole('tab', { name: 'Permissions' }).click();
  await page.waitForURL(/\/groups\/Readers\?tab=permissions$/);
  assert.equal(await heading('Inline policies').isVisible(), true);
  assert.equal(await heading('Users in this group').count(), 0);

  await page.goto(url('/console/admin/roles/Builder'));
  assert.deepEqual(await tabNames(), [
    'Permissions',
    'Trust relationships',
    'Tags',
    'Instance profiles',
    'Access Advisor',
  ]);
  await page.getByRole('tab', { name: 'Trust relationships' }).click();
  await page.waitForURL(/\/roles\/Builder\?tab=trust-relationships$/);
  assert.equal(await selectedTab(), 'Trust relationships');
  assert.match(await page.getByLabel('Trust policy (JSON)').inputValue(), /codebuild\.amazonaws\.com/);
  assert.equal(await heading('Summary').isVisible(), true);

  await page.goto(url(`/console/admin/policies/view?arn=${encodeURIComponent(POLICY_ARN)}`));
  assert.deepEqual(await tabNames(), [
    'Permissions',
    'Entities attached',
    'Tags',
    'Policy versions',
    'Access Advisor',
  ]);
  await page.getByRole('tab', { name: 'Policy versions' }).click();
  await page.waitForURL(/&tab=versions$/);
  assert.equal(await selectedTab(), 'Policy versions');
  assert.match(
    await page.getByRole('table', { name: 'Versions of this policy' }).innerText(),
    /v1\s+Default/,
  );
  assert.equal(await heading('Summary').isVisible(), true);
});

test('a form posted from a tab that is not the first comes back to that tab', async () => {
  await page.goto(url('/console/admin/users/dana?tab=groups'));
  await page.getByLabel('Group', { exact: true }).selectOption('Readers');
  await page.getByRole('button', { name: 'Add to group' }).click();
  await page.waitForURL(/\/console\/admin\/users\/dana\?tab=groups&notice=group-added$/);
  assert.equal(await selectedTab(), 'Groups');
  assert.equal(await page.getByRole('status').innerText(), 'The user was added to the group.');
  assert.match(await page.getByRole('table', { name: 'Groups this user belongs to' }).innerText(), /Readers/);
  const groups = await server.iam().send(new ListGroupsForUserCommand({ UserName: 'dana' }));
  assert.deepEqual(
    groups.Groups?.map((g) => g.GroupName),
    ['Readers'],
  );

  // A refusal on a tab is shown on that tab too.
  await page.goto(url('/console/admin/users/dana?tab=security-credentials'));
  await page.getByText('Delete', { exact: true }).click();
  await page.getByRole('button', { name: 'Yes, delete', exact: true }).click();
  await page.waitForURL(/\?tab=security-credentials&notice=key-deleted$/);
  assert.equal(await selectedTab(), 'Security credentials');
  assert.match(await page.locator('main').innerText(), /Access keys of this user: none\./);
});

/** The text that describes `editor` (its aria-describedby), as a screen reader reads it. */
async function descriptionOf(editor: ReturnType<Page['getByLabel']>): Promise<string> {
  const ids = ((await editor.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(' ').replace(/\s+/g, ' ');
}

test('a document that is not JSON is refused beside the editor, with the line and column where JSON stops', async () => {
  await page.goto(url('/console/admin/users/dana'));
  const typed =
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",, "Action": "s3:*"}\n  ]\n}';
  await page.getByLabel('Policy name').fill('broken');
  const editor = page.getByLabel('Policy document (JSON)');
  await editor.fill(typed);
  await page.getByRole('button', { name: 'Save inline policy' }).click();
  await page.waitForLoadState();

  const refused = page.getByLabel('Policy document (JSON)');
  assert.equal(await refused.getAttribute('aria-invalid'), 'true');
  assert.equal(await refused.inputValue(), typed, 'what was typed is kept');
  const description = await descriptionOf(refused);
  // The second comma of line 4 is its 24th character.
  assert.match(description, /MalformedPolicyDocument: Syntax errors in policy\./);
  assert.match(description, /Line 4, column 24: the document stops being JSON here\./);
  // Beside the editor, not above the page: the only error on the page, just above the textarea.
  const alerts = page.getByRole('alert');
  assert.equal(await alerts.count(), 1);
  const box = (await alerts.boundingBox())!;
  const area = (await refused.boundingBox())!;
  assert.ok(
    area.y - (box.y + box.height) >= 0 && area.y - (box.y + box.height) < 40,
    'right above the editor',
  );
  assert.equal(await selectedTab(), 'Permissions');
  assert.deepEqual(
    (await server.iam().send(new ListUserPoliciesCommand({ UserName: 'dana' }))).PolicyNames,
    [],
  );
});

test('a statement IAM refuses is named beside the editor, with the line and column where it begins', async () => {
  await page.goto(url('/console/admin/policies'));
  const typed = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Allow', Action: 's3:PutObject' },
      ],
    },
    null,
    2,
  );
  await page.getByLabel('Policy name').fill('TwoStatements');
  await page.getByLabel('Policy document (JSON)').fill(typed);
  await page.getByRole('button', { name: 'Create policy' }).click();
  await page.waitForLoadState();

  const refused = page.getByLabel('Policy document (JSON)');
  assert.equal(await refused.getAttribute('aria-invalid'), 'true');
  assert.equal(await refused.inputValue(), typed);
  const description = await descriptionOf(refused);
  assert.match(description, /MalformedPolicyDocument: Policy statement must contain resources\./);
  // The second statement's "{" opens line 9 of the pretty-printed text, indented by four spaces.
  assert.equal(typed.split('\n')[8], '    {');
  assert.match(description, /Line 9, column 5: statement 2, which IAM refuses, begins here\./);
  assert.equal(await page.getByLabel('Policy name').inputValue(), 'TwoStatements');
});

test('a trust policy refused on the Trust relationships tab stays on that tab, beside its editor', async () => {
  await page.goto(url('/console/admin/roles/Builder?tab=trust-relationships'));
  const typed =
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "s3:GetObject"}]}';
  await page.getByLabel('Trust policy (JSON)').fill(typed);
  await page.getByRole('button', { name: 'Update trust policy' }).click();
  await page.waitForLoadState();
  assert.equal(await selectedTab(), 'Trust relationships');
  const refused = page.getByLabel('Trust policy (JSON)');
  assert.equal(await refused.getAttribute('aria-invalid'), 'true');
  assert.equal(await refused.inputValue(), typed);
  assert.match(
    await descriptionOf(refused),
    /AssumeRole policy may only specify STS AssumeRole actions\. Line 1, column 41: statement 1, which IAM refuses, begins here\./,
  );
});

test('with scripts on, the refused editor has the focus and its caret where the refusal points', async () => {
  const scripted = await launchBrowser({ javaScript: true });
  try {
    const tab = await scripted.context.newPage();
    await signInRoot(tab, server.url);
    await tab.goto(url('/console/admin/policies'));
    const typed =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow" "Action": "s3:*"}\n  ]\n}';
    await tab.getByLabel('Policy name').fill('Caret');
    await tab.getByLabel('Policy document (JSON)').fill(typed);
    await tab.getByRole('button', { name: 'Create policy' }).click();
    await tab.waitForLoadState('load');
    const editor = tab.getByLabel('Policy document (JSON)');
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    assert.match(
      await tab.getByRole('alert').innerText(),
      /Line 4, column 24: the document stops being JSON here\./,
    );
    // The character the parser stopped at: the quote opening "Action" (line 4, column 24).
    // The page's globals, typed here without the DOM's library (the tests compile for Node).
    type Editor = { selectionStart: number; selectionEnd: number; ownerDocument: { activeElement: unknown } };
    const caret = await editor.evaluate((element) => {
      const e = element as unknown as Editor;
      return { focused: e.ownerDocument.activeElement === e, start: e.selectionStart, end: e.selectionEnd };
    });
    const offset = typed.indexOf('"Action"');
    assert.deepEqual(caret, { focused: true, start: offset, end: offset });
  } finally {
    await scripted.close();
  }
});
