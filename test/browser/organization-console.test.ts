// AWS Organizations and Switch role in a real browser (Chromium through playwright-core) against the
// real server: an administrator of the management account A creates the organization and member
// account B from the console, puts B in an OU, switches role into B's OrganizationAccountAccessRole
// (a coloured banner names it), creates a user in B, switches back in one click and sees A's users
// again (not B's); a switch the role refuses is shown in AWS's words; an SCP is created, its
// editor's validation shown in place, and attached to the OU. A user without permission sees the
// refusal on the organization page. Screenshots of the organization page and of the switched-role
// banner are taken (see screenshotPath in browser.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import {
  ListPoliciesForTargetCommand,
  type OrganizationalUnit,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, screenshotPath } from './browser.ts';

const A = ROOT.accountId;
const PASSWORD = 'Organization-Admin-Pass-1!';

let server: Server;
let browser: Browser;
let page: Page;
let accountB = '';

const url = (path: string) => `${server.url}${path}`;
const main = () => page.locator('main').innerText();

async function consoleUser(name: string, policyArn?: string): Promise<void> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
  if (policyArn) await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn }));
}

async function signIn(target: Page, name: string): Promise<void> {
  await target.goto(url(`/console?account=${A}`));
  await target.getByLabel('IAM user name').fill(name);
  await target.getByLabel('Password').fill(PASSWORD);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.waitForURL(/\/console$/);
}

before(async () => {
  server = await startServer();
  await consoleUser('ada', 'arn:aws:iam::aws:policy/AdministratorAccess');
  await consoleUser('bob');
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
  await signIn(page, 'ada');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the administrator creates the organization and member account B; its creation status is shown', async () => {
  await page.getByRole('link', { name: 'Organization', exact: true }).click();
  assert.match(await main(), /Your account is not a member of an organization/);
  await page.getByRole('button', { name: 'Create an organization' }).click();
  await page.waitForURL(/notice=organization-created$/);

  await page.getByLabel('AWS account name').fill('Workloads');
  await page.getByLabel("Email address of the account's owner").fill('workloads@example.com');
  await page.getByRole('button', { name: 'Create AWS account' }).click();
  await page.waitForURL(/notice=account-requested&request=car-/);
  // DescribeCreateAccountStatus answers the request's state; the account is made within moments.
  const status = await page.locator('.create-status').innerText();
  assert.match(status, /Status: (SUCCEEDED|IN_PROGRESS)/);
  await page.reload();
  const done = await page.locator('.create-status').innerText();
  assert.match(done, /Status: SUCCEEDED\. The account Workloads was created: \d{12}\./);
  accountB = /(\d{12})/.exec(done)![1]!;
  const tree = await page.locator('ul.tree').innerText();
  assert.match(tree, new RegExp(`Workloads\\s+${accountB}\\s+workloads@example\\.com\\s+ACTIVE`));
});

test('an OU is created, renamed, and B moved into it: the tree shows B under its OU', async () => {
  await page.getByLabel('Organizational unit name').fill('Prodution');
  await page.getByRole('button', { name: 'Create organizational unit' }).click();
  await page.waitForURL(/notice=ou-created$/);
  await page.getByText('Rename Prodution').click();
  await page.getByLabel('New name').fill('Production');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await page.waitForURL(/notice=ou-renamed$/);

  await page.getByLabel('Account', { exact: true }).selectOption(accountB);
  await page.getByLabel('Destination').selectOption({ label: 'Root / Production' });
  await page.getByRole('button', { name: 'Move account' }).click();
  await page.waitForURL(/notice=account-moved$/);
  const ou = page.locator('li.ou-node', { hasText: 'Production' });
  assert.match(await ou.locator('li.account-node').innerText(), new RegExp(`Workloads\\s+${accountB}`));
  // The API sees the same tree.
  const roots = await server.organizations().send(new ListRootsCommand({}));
  const units = await server
    .organizations()
    .send(new ListOrganizationalUnitsForParentCommand({ ParentId: roots.Roots![0]!.Id! }));
  assert.deepEqual(
    units.OrganizationalUnits?.map((u: OrganizationalUnit) => u.Name),
    ['Production'],
  );
  await page.screenshot({ path: screenshotPath('organization.png') });
});

test("a switch the role refuses is shown in AWS's words, and nothing is switched", async () => {
  await page.getByRole('link', { name: 'Switch role' }).click();
  await page.getByLabel('Account ID or alias').fill(accountB);
  await page.getByLabel('IAM role name').fill('NoSuchRole');
  await page.getByRole('button', { name: 'Switch role' }).click();
  const alert = await page.getByRole('alert').innerText();
  assert.match(
    alert,
    /Invalid information in one or more fields\. Check your information or contact your administrator\./,
  );
  assert.equal(await page.getByRole('region', { name: 'Switched role' }).count(), 0);
  // What was typed is kept.
  assert.equal(await page.getByLabel('IAM role name').inputValue(), 'NoSuchRole');
});

test('Switch role into B: the banner names it, pages act in B, Switch back returns to A in one click', async () => {
  await page.goto(url('/console/switch-role'));
  await page.getByLabel('Account ID or alias').fill(accountB);
  await page.getByLabel('IAM role name').fill('OrganizationAccountAccessRole');
  await page.getByLabel('Display name').fill('Workloads admin');
  await page.getByLabel('Green').check();
  await page.getByRole('button', { name: 'Switch role' }).click();
  await page.waitForURL(/\/console$/);
  const banner = page.getByRole('region', { name: 'Switched role' });
  assert.match(
    await banner.innerText(),
    new RegExp(
      `Currently active as Workloads admin: role OrganizationAccountAccessRole in account ${accountB}`,
    ),
  );
  assert.equal(await page.locator('.switched-role.color-green').count(), 1);

  // A user created now is B's.
  await page.goto(url('/console/admin/users'));
  await page.screenshot({ path: screenshotPath('switch-role.png') });
  await page.getByLabel('User name', { exact: true }).fill('b-operator');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.waitForURL(/\/console\/admin\/users\/b-operator\?notice=created$/);
  assert.match(await main(), new RegExp(`arn:aws:iam::${accountB}:user/b-operator`));
  // B's administrator (the same role through the API) sees the user in B.
  const key = await server.iam().send(new CreateAccessKeyCommand({ UserName: 'ada' }));
  const adaKey = {
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  };
  const assumed = await server.sts(adaKey).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'check',
    }),
  );
  const inB = server.iam({
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  });
  const usersOfB = await inB.send(new ListUsersCommand({}));
  assert.deepEqual(
    usersOfB.Users?.map((u) => u.UserName),
    ['b-operator'],
  );

  await page.getByRole('button', { name: 'Switch back' }).click();
  await page.waitForURL(/\/console$/);
  assert.equal(await page.getByRole('region', { name: 'Switched role' }).count(), 0);
  await page.goto(url('/console/admin/users'));
  const users = await page.locator('main table').first().innerText();
  assert.match(users, /ada/);
  assert.match(users, /bob/);
  assert.doesNotMatch(users, /b-operator/);
});

test('the role history switches again in one click', async () => {
  await page.goto(url('/console/switch-role'));
  const history = page.locator('section[aria-labelledby="role-history-heading"]');
  await history.getByRole('button', { name: 'Workloads admin' }).click();
  await page.waitForURL(/\/console$/);
  assert.match(await page.getByRole('region', { name: 'Switched role' }).innerText(), /Workloads admin/);
  await page.getByRole('button', { name: 'Switch back' }).click();
  await page.waitForURL(/\/console$/);
  assert.equal(await page.getByRole('region', { name: 'Switched role' }).count(), 0);
});

test('an SCP is created in the editor (its validation shown in place) and attached to the OU', async () => {
  await page.goto(url('/console/organization/policies/scp'));
  await page.getByRole('button', { name: 'Enable service control policies' }).click();
  await page.waitForURL(/notice=enabled$/);
  assert.match(await main(), /FullAWSAccess/);

  await page.getByLabel('Policy name').fill('DenyLeaving');
  await page.getByLabel('Description').fill('Members stay');
  await page.getByLabel('Policy document (JSON)').fill('{"Version": "2012-10-17", "Statement": [');
  await page.getByRole('button', { name: 'Create policy' }).click();
  const refused = await page.getByRole('alert').innerText();
  assert.match(refused, /MalformedPolicyDocumentException/);
  // Besides AWS's general sentence, the editor says what is wrong with the document, and where.
  assert.match(refused, /What is wrong: \S/);
  assert.match(refused, /Line 1, column 41: the document stops being JSON here\./);
  assert.equal(await page.getByLabel('Policy document (JSON)').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Policy name').inputValue(), 'DenyLeaving');

  await page.getByLabel('Policy document (JSON)').fill(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
    }),
  );
  await page.getByRole('button', { name: 'Create policy' }).click();
  await page.waitForURL(/\/policies\/scp\/view\?id=p-.*&notice=created$/);
  await page.getByLabel('Attach to').selectOption({ label: 'OU Root / Production' });
  await page.getByRole('button', { name: 'Attach policy' }).click();
  await page.waitForURL(/notice=attached$/);
  const targets = await page.locator('section[aria-labelledby="targets-heading"] table').innerText();
  assert.match(targets, /Production/);
  const policyId = new URL(page.url()).searchParams.get('id')!;

  const units = await server.organizations().send(
    new ListOrganizationalUnitsForParentCommand({
      ParentId: (await server.organizations().send(new ListRootsCommand({}))).Roots![0]!.Id!,
    }),
  );
  const attached = await server.organizations().send(
    new ListPoliciesForTargetCommand({
      TargetId: units.OrganizationalUnits![0]!.Id!,
      Filter: 'SERVICE_CONTROL_POLICY',
    }),
  );
  assert.ok(attached.Policies?.some((p) => p.Id === policyId && p.Name === 'DenyLeaving'));
});

test('a user without permission sees the refusal on the organization page, in words', async () => {
  const other = await launchBrowser({ javaScript: false });
  try {
    const bob = await other.context.newPage();
    await signIn(bob, 'bob');
    await bob.goto(url('/console/organization'));
    const text = await bob.locator('main').innerText();
    assert.match(text, /Access denied/);
    assert.match(
      text,
      new RegExp(`User: arn:aws:iam::${A}:user/bob is not authorized to perform: organizations:ListRoots`),
    );
  } finally {
    await other.close();
  }
});
