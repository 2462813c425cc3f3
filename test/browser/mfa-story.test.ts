// The seeds' story in a real browser (Debian's Chromium through playwright-core) against the real
// server: an administrator sets up the groups "everyone" (seed 002's self-managed MFA policy) and
// "developers" (a ForceMFA deny); a new user signs in, must change the password first, is told
// "not authorized" on the users page, assigns a virtual MFA device by reading the secret key off
// the page and typing two consecutive codes, signs out, signs in again with a code, and now sees
// the users page; then creates an access key and downloads its CSV. Screenshots of the sign-in,
// MFA assignment and dashboard pages are taken (see screenshotPath in browser.ts). The browser runs with
// JavaScript turned off: none of this needs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  GetGroupPolicyCommand,
  ListGroupsForUserCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { totpCode } from '../../src/crypto/totp.ts';
import { SELF_MANAGED_MFA_POLICY } from '../fixtures/seed-policies.ts';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, screenshotPath } from './browser.ts';

const account = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** Seed 002's policy ("Enforce MFA Access to the AWS Console"), verbatim. */
const selfManagedMfa = SELF_MANAGED_MFA_POLICY;

/** The developers' ForceMFA-style policy: read IAM; nothing but MFA self-service without MFA. */
const developers = policy([
  { Sid: 'Work', Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListGroups'], Resource: '*' },
  {
    Sid: 'ForceMFA',
    Effect: 'Deny',
    NotAction: [
      'iam:CreateVirtualMFADevice',
      'iam:EnableMFADevice',
      'iam:ListMFADevices',
      'iam:GetUser',
      'iam:ChangePassword',
      'sts:GetSessionToken',
    ],
    Resource: '*',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  },
]);

const FIRST_PASSWORD = 'Temporary-Pass-1!';
const NEW_PASSWORD = 'Carol-Chooses-This-9!';

let server: Server;
let browser: Browser;
let page: Page;
let seed = '';

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 12,
      RequireNumbers: true,
      RequireSymbols: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
    }),
  );
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

/** Every visible form control has a label a screen reader announces, and every page has one h1. */
async function assertAccessible(): Promise<void> {
  const unlabelled = await page
    .locator('input:not([type=hidden]), select, textarea')
    .evaluateAll((controls) =>
      controls
        .filter((c) => ((c as unknown as { labels: { length: number } }).labels?.length ?? 0) === 0)
        .map((c) => (c as unknown as { id: string }).id),
    );
  assert.deepEqual(unlabelled, [], `unlabelled controls on ${page.url()}`);
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.locator('main#main').count(), 1);
}

async function signInWithPassword(password: string): Promise<void> {
  await page.goto(url(`/console?account=${account}`));
  await page.getByLabel('IAM user name').fill('carol');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test("the administrator (root) sets up the seeds' groups, their policies and the new user in the console", async () => {
  // The administrator has a browser of its own, so carol's sessions start from nothing.
  const admin = await launchBrowser({ javaScript: false });
  const root = await admin.context.newPage();
  try {
    await root.goto(url('/console/root-signin'));
    await root.getByLabel('Root user email address').fill(ROOT.email);
    await root.getByLabel('Password').fill(ROOT.password);
    await root.getByRole('button', { name: 'Sign in' }).click();
    await root.waitForURL(/\/console$/);

    for (const [group, policyName, document] of [
      ['everyone', 'SelfManagedMFA', selfManagedMfa],
      ['developers', 'ForceMFA', developers],
    ] as const) {
      await root.goto(url('/console/admin/groups'));
      await root.getByLabel('Group name').fill(group);
      await root.getByRole('button', { name: 'Create group' }).click();
      await root.waitForURL(new RegExp(`/console/admin/groups/${group}\\?notice=created$`));
      await root.getByRole('tab', { name: 'Permissions' }).click();
      await root.getByLabel('Policy name').fill(policyName);
      await root.getByLabel('Policy document (JSON)').fill(document);
      await root.getByRole('button', { name: 'Save inline policy' }).click();
      assert.match(await root.locator('main').innerText(), new RegExp(policyName));
    }

    await root.goto(url('/console/admin/users'));
    await root.getByLabel('User name').fill('carol');
    await root.getByLabel('Provide user access to the console (a console password)').check();
    await root.getByLabel('Console password', { exact: true }).fill(FIRST_PASSWORD);
    await root.getByRole('button', { name: 'Create user' }).click();
    await root.waitForURL(/\/console\/admin\/users\/carol\?notice=created$/);
    await root.getByRole('tab', { name: 'Groups' }).click();
    for (const group of ['everyone', 'developers']) {
      await root.getByLabel('Group', { exact: true }).selectOption(group);
      await root.getByRole('button', { name: 'Add to group' }).click();
    }
    const details = await root.locator('main').innerText();
    assert.match(details, /everyone/);
    assert.match(details, /developers/);
  } finally {
    await admin.close();
  }
  // The console did what the API would have: the groups hold the seeds' policies, carol is in both.
  const groups = await server.iam().send(new ListGroupsForUserCommand({ UserName: 'carol' }));
  assert.deepEqual(groups.Groups?.map((g) => g.GroupName).sort(), ['developers', 'everyone']);
  const stored = await server
    .iam()
    .send(new GetGroupPolicyCommand({ GroupName: 'everyone', PolicyName: 'SelfManagedMFA' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(stored.PolicyDocument!)), JSON.parse(selfManagedMfa));
});

test('the sign-in URL opens the IAM user sign-in page with the account filled in', async () => {
  await page.goto(url(`/console?account=${account}`));
  assert.equal(await page.getByLabel('Account ID (12 digits) or account alias').inputValue(), account);
  await assertAccessible();
  await page.screenshot({ path: screenshotPath('sign-in.png') });
});

test('a new user must change the password first; the policy is shown and enforced', async () => {
  await signInWithPassword(FIRST_PASSWORD);
  await page.waitForURL(/\/console\/change-password$/);
  assert.match(await page.locator('main').innerText(), /Minimum password length is 12 characters/);
  await assertAccessible();
  // Other pages wait until the password is changed.
  await page.goto(url('/console/admin/users'));
  await page.waitForURL(/\/console\/change-password$/);

  await page.getByLabel('Old password').fill(FIRST_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Retype new password').fill('short');
  await page.getByRole('button', { name: 'Confirm password change' }).click();
  assert.match(await page.getByRole('alert').innerText(), /does not meet the password policy/);

  await page.getByLabel('Old password').fill(FIRST_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Retype new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Confirm password change' }).click();
  await page.waitForURL(/\/console\?notice=password-changed$/);
  assert.match(await page.locator('main').innerText(), /Your password has been changed/);
});

test('without MFA, the users page shows AWS\'s "not authorized" message with the explicit deny', async () => {
  await page.getByRole('link', { name: 'Access management' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
  const text = await page.locator('main').innerText();
  assert.match(
    text,
    new RegExp(
      `User: arn:aws:iam::${account}:user/carol is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ with an explicit deny in an identity-based policy`,
    ),
  );
  // The rest of the console still works: the navigation is there.
  assert.equal(await page.getByRole('link', { name: 'My security credentials' }).count(), 1);
});

test('the user assigns a virtual MFA device with the secret key and two consecutive codes', async () => {
  await page.getByRole('link', { name: 'My security credentials' }).click();
  // Without MFA the seed policy denies the access keys section; the MFA section works.
  assert.match(
    await page.getByRole('region', { name: 'Access keys' }).innerText(),
    /not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::\d{12}:user\/carol with an explicit deny/,
  );
  await page.getByLabel('Device name').fill('carol');
  await page.getByRole('button', { name: 'Assign MFA device' }).click();
  await page.waitForURL(/\/mfa\/assign$/);
  assert.equal(
    await page
      .locator('#qr-code')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
    true,
  );
  await page.locator('summary', { hasText: 'Show secret key' }).click();
  seed = (await page.locator('#secret-key').innerText()).trim();
  assert.match(seed, /^[A-Z2-7]{32}$/);
  await assertAccessible();
  await page.screenshot({ path: screenshotPath('mfa-assignment.png') });
  const now = server.now();
  await page.getByLabel('MFA code 1').fill(totpCode(seed, now - 30_000));
  await page.getByLabel('MFA code 2').fill(totpCode(seed, now));
  await page.getByRole('button', { name: 'Add MFA' }).click();
  const text = await page.locator('main').innerText();
  assert.match(text, /You have successfully assigned virtual MFA/);
  assert.match(text, /This virtual MFA will be required during sign-in\./);
  assert.match(text, new RegExp(`arn:aws:iam::${account}:mfa/carol`));
});

test('after signing out, signing in asks for the MFA code, and then the users page is allowed', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/notice=signed-out/);
  await signInWithPassword(NEW_PASSWORD);
  await page.waitForURL(/\/console\/mfa$/);
  await server.advanceClock(30); // a fresh time step: the codes used to enable are spent
  await page.getByLabel('MFA code').fill(totpCode(seed, server.now()));
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/console$/);
  assert.match(await page.locator('main').innerText(), /Signed in with MFA\s+Yes/);
  await assertAccessible();
  await page.screenshot({ path: screenshotPath('dashboard.png') });
  await page.getByRole('link', { name: 'Access management' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
  const users = page.getByRole('table', { name: 'IAM users in this account' });
  assert.match(await users.innerText(), /carol/);
});

test('the user creates an access key, sees its secret once and downloads it as CSV', async () => {
  await page.getByRole('link', { name: 'My security credentials' }).click();
  await page.getByRole('button', { name: 'Create access key' }).click();
  const id = (await page.locator('#new-access-key-id').innerText()).trim();
  const secret = (await page.locator('#new-secret-access-key').innerText()).trim();
  assert.match(id, /^AKIA[A-Z0-9]{16}$/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download .csv file' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'carol_accessKeys.csv');
  const csv = readFileSync((await download.path())!, 'utf8');
  assert.equal(csv, `Access key ID,Secret access key\n${id},${secret}\n`);
  // Shown once: the page no longer has the secret.
  await page.getByRole('link', { name: 'My security credentials' }).click();
  assert.equal(await page.locator('#new-secret-access-key').count(), 0);
  assert.match(await page.getByRole('table', { name: 'Your access keys' }).innerText(), new RegExp(id));
});

test('the administrator downloads a credential report that shows the user with mfa_active true', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/notice=signed-out/);
  await page.goto(url('/console/root-signin'));
  await page.getByLabel('Root user email address').fill(ROOT.email);
  await page.getByLabel('Password').fill(ROOT.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console$/);
  await page.goto(url('/console/admin/credential-report'));
  await page.getByRole('button', { name: 'Generate credential report' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download credential report (CSV)' }).click(),
  ]);
  // The seed blog's approach: split the lines, zip each with the header.
  const lines = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  const header = lines[0]!.split(',');
  const rows = lines
    .slice(1)
    .map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
  const carol = rows.find((row) => row.user === 'carol')!;
  assert.equal(carol.mfa_active, 'true');
  assert.equal(carol.password_enabled, 'true');
  assert.notEqual(carol.password_last_used, 'no_information');
  assert.equal(carol.access_key_1_active, 'true');
});
