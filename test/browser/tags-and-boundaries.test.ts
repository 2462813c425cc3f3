// Tags and permissions boundaries in a real browser (Chromium through playwright-core, scripts off)
// against the real server: a user's tag is added, its value changed and the tag removed through the
// confirmation; a key IAM refuses is explained under the field, which is marked invalid; a role's
// boundary is found by name in the picker, set with its button and removed through the confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, signInRoot } from './browser.ts';

let server: Server;
let browser: Browser;
let page: Page;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ROOT.accountId}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });
  await iam.send(new CreateRoleCommand({ RoleName: 'Builder', AssumeRolePolicyDocument: trust }));
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
  await signInRoot(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

test("a user's tag is added, its value changed, and removed only after the confirmation", async () => {
  await page.goto(url('/console/admin/users/carol'));
  await page.getByRole('tab', { name: 'Tags' }).click();
  const form = page.getByRole('form', { name: 'Add or change a tag' });
  await form.getByLabel('Key').fill('cost center');
  await form.getByLabel('Value').fill('42');
  await form.getByRole('button', { name: 'Save tag' }).click();
  await page.waitForURL(/\/console\/admin\/users\/carol\?tab=tags&notice=tag-saved$/);
  const tags = page.getByRole('table', { name: 'Tags of this user' });
  assert.match(await tags.innerText(), /cost center\s+42/);

  await tags.getByText('Edit value').click();
  await page.getByLabel('New value of cost center').fill('43');
  await page.getByRole('button', { name: 'Save value' }).click();
  await page.waitForURL(/notice=tag-saved$/);
  assert.match(await page.getByRole('table', { name: 'Tags of this user' }).innerText(), /cost center\s+43/);

  // The remove button is only a disclosure; nothing is posted until its own button is pressed.
  const confirmButton = page.getByRole('button', { name: 'Yes, remove tag cost center' });
  assert.equal(await confirmButton.isVisible(), false);
  await page.getByText('Remove tag cost center', { exact: true }).click();
  assert.equal(await confirmButton.isVisible(), true);
  assert.deepEqual((await server.iam().send(new ListUserTagsCommand({ UserName: 'carol' }))).Tags, [
    { Key: 'cost center', Value: '43' },
  ]);
  await confirmButton.click();
  await page.waitForURL(/notice=tag-removed$/);
  assert.match(await page.locator('main').innerText(), /Tags of this user: none\./);
  assert.deepEqual((await server.iam().send(new ListUserTagsCommand({ UserName: 'carol' }))).Tags, []);
});

test('a tag key IAM refuses is explained under the field, which is marked invalid and described by it', async () => {
  await page.goto(url('/console/admin/users/carol'));
  await page.getByRole('tab', { name: 'Tags' }).click();
  const form = page.getByRole('form', { name: 'Add or change a tag' });
  await form.getByLabel('Key').fill('team#1');
  await form.getByRole('button', { name: 'Save tag' }).click();
  const key = page.getByRole('form', { name: 'Add or change a tag' }).getByLabel('Key');
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  assert.equal(await key.inputValue(), 'team#1');
  const ids = ((await key.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id !== '');
  const parts: string[] = [];
  for (const id of ids) parts.push(await page.locator(`[id="${id}"]`).innerText());
  const described = parts.join(' ').replace(/\s+/g, ' ');
  assert.match(
    described,
    /The tag key is not valid\. Use letters, digits, spaces and _ \. : \/ = \+ - @ \(1 to 128 characters\)\./,
  );
  // AWS's text is there, folded away until asked for.
  const aws = page.locator('#tag-key-error .aws-message');
  assert.equal(await aws.isVisible(), false);
  await page.locator('#tag-key-error summary').click();
  assert.match(await aws.innerText(), /Value at 'tags\.1\.member\.key' failed to satisfy constraint/);
});

test("a role's boundary is found by name, set with its button, and removed after the confirmation", async () => {
  await page.goto(url('/console/admin/roles/Builder'));
  await page.getByLabel('Find a boundary policy by name').fill('PowerUserAccess');
  await page.getByRole('button', { name: 'Find boundary policies' }).click();
  await page.waitForURL(/\/console\/admin\/roles\/Builder\/boundary\/pick\?q=PowerUserAccess/);
  await page
    .getByRole('table', { name: 'Managed policies named exactly as searched' })
    .getByRole('button', { name: 'Set as boundary PowerUserAccess' })
    .click();
  await page.waitForURL(/\/console\/admin\/roles\/Builder\?tab=permissions&notice=boundary-set$/);
  const section = page.getByRole('region', { name: 'Permissions boundary' });
  assert.match(
    await section.innerText(),
    /limited to what the policy arn:aws:iam::aws:policy\/PowerUserAccess allows/,
  );
  const got = await server.iam().send(new GetRoleCommand({ RoleName: 'Builder' }));
  assert.equal(
    got.Role?.PermissionsBoundary?.PermissionsBoundaryArn,
    'arn:aws:iam::aws:policy/PowerUserAccess',
  );

  await section.getByText('Remove permissions boundary', { exact: true }).click();
  await section.getByRole('button', { name: 'Yes, remove permissions boundary' }).click();
  await page.waitForURL(/notice=boundary-removed$/);
  assert.match(
    await page.getByRole('region', { name: 'Permissions boundary' }).innerText(),
    /No permissions boundary/,
  );
  const after = await server.iam().send(new GetRoleCommand({ RoleName: 'Builder' }));
  assert.equal(after.Role?.PermissionsBoundary, undefined);
});
