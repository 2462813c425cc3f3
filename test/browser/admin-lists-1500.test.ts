// The users list over 1,500 users in a real browser (Chromium through playwright-core, scripts
// off): paged a hundred at a time in name order through Next and back through Previous, each user
// seen once; sorted by name and by creation date both ways with the right page count; searched
// down to a few and to one. The users are made through the API in parallel batches of a hundred,
// the server's clock moved two seconds between batches, so creation order is batch order and not
// name order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, signInRoot } from './browser.ts';

const COUNT = 1500;
const BATCH = 100;
const TABLE = 'IAM users in this account';
let server: Server;
let browser: Browser;
let page: Page;

/** User i: every seventh is "ops-", the others "dev-"; four digits keep name order numeric. */
const userName = (i: number) => `${i % 7 === 0 ? 'ops' : 'dev'}-${String(i).padStart(4, '0')}`;
/** Users are made in batches of a hundred, the last hundred numbers first. */
const batchOf = (i: number) => Math.floor((COUNT - 1 - i) / BATCH);
const ALL = Array.from({ length: COUNT }, (_, i) => i);
const byName = ALL.map(userName).sort();
const byCreation = [...ALL]
  .sort((a, b) => batchOf(a) - batchOf(b) || (userName(a) < userName(b) ? -1 : 1))
  .map(userName);

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (let batch = 0; batch < COUNT / BATCH; batch++) {
    const members = ALL.filter((i) => batchOf(i) === batch);
    await Promise.all(members.map((i) => iam.send(new CreateUserCommand({ UserName: userName(i) }))));
    await server.advanceClock(2);
  }
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
  await signInRoot(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

async function names(): Promise<string[]> {
  return page
    .getByRole('table', { name: TABLE })
    .locator('tbody tr th, tbody tr td:first-child')
    .allInnerTexts()
    .then((cells) => cells.map((c) => c.trim()));
}

async function pagerText(): Promise<string> {
  return (await page.getByRole('navigation', { name: 'Pages of users' }).innerText()).replace(/\s+/g, ' ');
}

test('1,500 users in name order: a hundred a page through Next, back through Previous, each seen once', async () => {
  await page.goto(url('/console/admin/users?pageSize=100'));
  const pages: string[][] = [];
  for (;;) {
    const shown = await names();
    assert.equal(shown.length, 100);
    pages.push(shown);
    assert.match(await pagerText(), new RegExp(`Page ${pages.length}, showing 100\\.`));
    const next = page.getByRole('link', { name: 'Next page' });
    if ((await next.count()) === 0) break;
    assert.ok(pages.length < 20, 'the pages end');
    await next.click();
  }
  assert.equal(pages.length, 15);
  assert.deepEqual(pages.flat(), byName);
  // Back from the last page to the first, each page as it was.
  for (let n = pages.length - 2; n >= 0; n--) {
    await page.getByRole('link', { name: 'Previous page' }).click();
    assert.deepEqual(await names(), pages[n]);
  }
  assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0);
});

test('sorted by name and by creation date, both ways: the right page count and the right users', async () => {
  await page.goto(url('/console/admin/users'));
  await page.getByLabel('Sort by').selectOption('name');
  await page.getByLabel('Order').selectOption('desc');
  await page.getByLabel('Per page').selectOption('50');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/order=desc/);
  assert.match(await pagerText(), /Page 1 of 30, showing 1–50 of 1500\./);
  const descending = [...byName].reverse();
  assert.deepEqual(await names(), descending.slice(0, 50));
  await page.getByRole('link', { name: 'Next page' }).click();
  assert.deepEqual(await names(), descending.slice(50, 100));
  assert.match(await pagerText(), /Page 2 of 30, showing 51–100 of 1500\./);

  await page.goto(url('/console/admin/users?sort=created&order=asc&pageSize=25&page=60'));
  assert.match(await pagerText(), /Page 60 of 60, showing 1476–1500 of 1500\./);
  assert.deepEqual(await names(), byCreation.slice(1475));
  assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
  await page.getByRole('link', { name: 'Previous page' }).click();
  assert.deepEqual(await names(), byCreation.slice(1450, 1475));

  await page.goto(url('/console/admin/users?sort=created&order=desc&pageSize=100'));
  assert.match(await pagerText(), /Page 1 of 15, showing 1–100 of 1500\./);
  assert.deepEqual(await names(), [...byCreation].reverse().slice(0, 100));
  // The newest are the lowest numbers (made last): dev-0000's batch.
  assert.ok((await names()).includes('ops-0000'));
});

test('the search narrows 1,500 users to a few pages, and to one', async () => {
  await page.goto(url('/console/admin/users'));
  await page.getByLabel('Name contains').fill('OPS-');
  await page.getByLabel('Sort by').selectOption('created');
  await page.getByLabel('Order').selectOption('asc');
  await page.getByLabel('Per page').selectOption('100');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/q=OPS-/);
  const ops = byCreation.filter((n) => n.startsWith('ops-'));
  assert.equal(ops.length, 215);
  assert.match(await pagerText(), /Page 1 of 3, showing 1–100 of 215\./);
  assert.deepEqual(await names(), ops.slice(0, 100));
  await page.getByRole('link', { name: 'Next page' }).click();
  await page.getByRole('link', { name: 'Next page' }).click();
  assert.match(await pagerText(), /Page 3 of 3, showing 201–215 of 215\./);
  assert.deepEqual(await names(), ops.slice(200));

  // In name order the search pages by cursor: every match once, in name order.
  await page.goto(url('/console/admin/users?q=ops-&pageSize=100'));
  const seen: string[] = [];
  for (;;) {
    seen.push(...(await names()));
    const next = page.getByRole('link', { name: 'Next page' });
    if ((await next.count()) === 0) break;
    await next.click();
  }
  assert.deepEqual(seen, [...ops].sort());

  await page.goto(url('/console/admin/users?q=1234'));
  assert.deepEqual(await names(), ['dev-1234']);
  assert.match(await pagerText(), /Page 1, showing 1\./);
});
