// The administration's lists and the policy picker in a real browser (Debian's Chromium through
// playwright-core, scripts off) against the real server. Thirty users made through the SDK, each a
// little later than the next in name order, are paged with a small page size (Previous and Next,
// each user seen once), searched by part of a name in any case, filtered by path prefix and sorted
// by creation date; the groups, roles and policies pages take the same query string; and a group
// gets ReadOnlyAccess from the picker's Attach button instead of a pasted ARN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListAttachedGroupPoliciesCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, signInRoot } from './browser.ts';

let server: Server;
let browser: Browser;
let page: Page;

const pad = (i: number) => String(i).padStart(2, '0');
/** User i: "ops-" for every third, "dev-" otherwise; even ones under /eng/. */
const userName = (i: number) => `${i % 3 === 0 ? 'ops' : 'dev'}-${pad(i)}`;
const USERS = Array.from({ length: 30 }, (_, i) => i);

before(async () => {
  server = await startServer();
  const iam = server.iam();
  // Made from the last name to the first, two seconds apart: creation order is not name order.
  for (const i of [...USERS].reverse()) {
    await iam.send(new CreateUserCommand({ UserName: userName(i), Path: i % 2 === 0 ? '/eng/' : '/' }));
    await server.advanceClock(2);
  }
  await iam.send(new CreateGroupCommand({ GroupName: 'Readers' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'Writers' }));
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
  await iam.send(new CreateRoleCommand({ RoleName: 'Deployer', AssumeRolePolicyDocument: trust }));
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
  await signInRoot(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

/** The first column of a table's body rows (the names), as shown. */
async function names(table: string): Promise<string[]> {
  return page
    .getByRole('table', { name: table })
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) =>
        (
          (r as unknown as { querySelector(s: string): { textContent: string } }).querySelector('th, td')
            .textContent ?? ''
        ).trim(),
      ),
    );
}

async function pagerText(noun: string): Promise<string> {
  return (await page.getByRole('navigation', { name: `Pages of ${noun}` }).innerText()).replace(/\s+/g, ' ');
}

/** Every visible form control has a label a screen reader announces. */
async function assertLabelled(): Promise<void> {
  const unlabelled = await page
    .locator('input:not([type=hidden]), select, textarea')
    .evaluateAll((controls) =>
      controls
        .filter((c) => ((c as unknown as { labels: { length: number } }).labels?.length ?? 0) === 0)
        .map((c) => (c as unknown as { id: string }).id),
    );
  assert.deepEqual(unlabelled, [], `unlabelled controls on ${page.url()}`);
}

test('users page through Next and Previous, ten at a time, each user seen once', async () => {
  await page.goto(url('/console/admin/users?pageSize=10'));
  await assertLabelled();
  const inNameOrder = USERS.map(userName).sort();
  const first = await names('IAM users in this account');
  assert.deepEqual(first, inNameOrder.slice(0, 10));
  assert.match(await pagerText('users'), /Page 1, showing 10\./);
  assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0);

  await page.getByRole('link', { name: 'Next page' }).click();
  const second = await names('IAM users in this account');
  assert.deepEqual(second, inNameOrder.slice(10, 20));
  await page.getByRole('link', { name: 'Next page' }).click();
  const third = await names('IAM users in this account');
  assert.deepEqual(third, inNameOrder.slice(20, 30));
  assert.match(await pagerText('users'), /Page 3, showing 10\./);
  assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0, 'the last page has no Next');

  await page.getByRole('link', { name: 'Previous page' }).click();
  assert.deepEqual(await names('IAM users in this account'), second);
  await page.getByRole('link', { name: 'Previous page' }).click();
  assert.deepEqual(await names('IAM users in this account'), first);
  assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0);
});

test('the search finds names containing the text in any case, from the form', async () => {
  await page.goto(url('/console/admin/users'));
  await page.getByLabel('Name contains').fill('OPS');
  await page.getByLabel('Per page').selectOption('10');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/q=OPS/);
  const found = await names('IAM users in this account');
  assert.deepEqual(
    found,
    USERS.filter((i) => i % 3 === 0)
      .map(userName)
      .sort(),
  );
  assert.equal(await page.getByLabel('Name contains').inputValue(), 'OPS', 'the search stays in the form');
  assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);

  await page.getByLabel('Name contains').fill('nobody-by-that-name');
  await page.getByRole('button', { name: 'Apply' }).click();
  assert.match(await page.locator('main').innerText(), /IAM users in this account: none\./);
});

test('a path prefix and creation date, newest first, page by page numbers', async () => {
  await page.goto(url('/console/admin/users'));
  await page.getByLabel('Name contains').fill('');
  await page.getByLabel('Path prefix').fill('/eng/');
  await page.getByLabel('Sort by').selectOption('created');
  await page.getByLabel('Order').selectOption('desc');
  await page.getByLabel('Per page').selectOption('10');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/sort=created/);
  // Even users are under /eng/; the lowest numbers were made last, so they come first.
  const newestFirst = USERS.filter((i) => i % 2 === 0).map(userName);
  assert.deepEqual(await names('IAM users in this account'), newestFirst.slice(0, 10));
  assert.match(await pagerText('users'), /Page 1 of 2, showing 1–10 of 15\./);
  await page.getByRole('link', { name: 'Next page' }).click();
  assert.deepEqual(await names('IAM users in this account'), newestFirst.slice(10));
  assert.match(await pagerText('users'), /Page 2 of 2, showing 11–15 of 15\./);

  await page.getByLabel('Order').selectOption('asc');
  await page.getByRole('button', { name: 'Apply' }).click();
  assert.deepEqual(await names('IAM users in this account'), [...newestFirst].reverse().slice(0, 10));

  // Name, descending: the reverse of the name order, all thirty over three pages.
  await page.goto(url('/console/admin/users?sort=name&order=desc&pageSize=10&page=3'));
  const descending = USERS.map(userName).sort().reverse();
  assert.deepEqual(await names('IAM users in this account'), descending.slice(20));
});

test('page sizes are bounded to 10–100 and a bad path prefix is explained, not a failure', async () => {
  const small = await page.goto(url('/console/admin/users?pageSize=3'));
  assert.equal(small?.status(), 200);
  assert.equal((await names('IAM users in this account')).length, 10);
  await page.goto(url('/console/admin/users?pageSize=100000'));
  assert.equal((await names('IAM users in this account')).length, 30);
  assert.equal(await page.getByLabel('Per page').inputValue(), '100');
  const bad = await page.goto(url('/console/admin/users?path=eng&after=%3Cx%3E&prev=~~'));
  assert.equal(bad?.status(), 200);
  assert.match(await page.locator('main').innerText(), /A path prefix starts with a slash/);
  assert.equal((await names('IAM users in this account')).length, 30);
});

test('groups, roles and policies take the same search and sort', async () => {
  await page.goto(url('/console/admin/groups?q=read'));
  await assertLabelled();
  assert.deepEqual(await names('User groups in this account'), ['Readers']);
  await page.goto(url('/console/admin/groups?sort=name&order=desc'));
  assert.deepEqual(await names('User groups in this account'), ['Writers', 'Readers']);
  await page.goto(url('/console/admin/roles?q=DEPLOY'));
  assert.deepEqual(await names('Roles in this account'), ['Deployer']);

  // AWS managed policies are more than a thousand: paged in name order, never stopping silently.
  await page.goto(url('/console/admin/policies'));
  await page.getByLabel('Type').selectOption('AWS');
  await page.getByLabel('Per page').selectOption('100');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/scope=AWS/);
  const seen = new Set<string>();
  for (let n = 1; ; n++) {
    for (const name of await names('AWS managed policies')) {
      assert.ok(!seen.has(name), `${name} shown twice`);
      seen.add(name);
    }
    const next = page.getByRole('link', { name: 'Next page' });
    if ((await next.count()) === 0) break;
    assert.ok(n < 40, 'the pages end');
    await next.click();
  }
  assert.ok(seen.size > 1000, `${seen.size} AWS managed policies paged through`);
  assert.ok(seen.has('ReadOnlyAccess'));
});

test('the picker finds ReadOnlyAccess by name and attaches it to a group with its Attach button', async () => {
  await page.goto(url('/console/admin/groups/Readers'));
  await page.getByRole('tab', { name: 'Permissions' }).click();
  await page.getByLabel('Find policies by name').fill('ReadOnlyAccess');
  await page.getByRole('button', { name: 'Find policies' }).click();
  await page.waitForURL(/\/console\/admin\/groups\/Readers\/policies\/pick\?q=ReadOnlyAccess/);
  await assertLabelled();
  assert.deepEqual(await names('Managed policies named exactly as searched'), ['ReadOnlyAccess']);
  // The list itself holds every policy whose name contains the text, AWS managed ones among them.
  const listed = await names('AWS managed and customer managed policies');
  assert.ok(listed.length > 10 && listed.every((n) => n.toLowerCase().includes('readonlyaccess')));

  await page
    .getByRole('table', { name: 'Managed policies named exactly as searched' })
    .getByRole('button', { name: 'Attach ReadOnlyAccess' })
    .click();
  await page.waitForURL(/\/console\/admin\/groups\/Readers\?tab=permissions&notice=attached$/);
  assert.match(await page.locator('main').innerText(), /The policy was attached\./);
  assert.match(
    await page.getByRole('table', { name: 'Managed policies attached to this group' }).innerText(),
    /ReadOnlyAccess/,
  );
  const attached = await server.iam().send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Readers' }));
  assert.deepEqual(
    attached.AttachedPolicies?.map((p) => p.PolicyArn),
    ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  );

  // Searched again, it is marked as attached instead of offered.
  await page.goto(url('/console/admin/groups/Readers/policies/pick?q=ReadOnlyAccess'));
  const exact = await page
    .getByRole('table', { name: 'Managed policies named exactly as searched' })
    .innerText();
  assert.match(exact, /Attached/);
  assert.equal(await page.getByRole('button', { name: 'Attach ReadOnlyAccess' }).count(), 0);
});
