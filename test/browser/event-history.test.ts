// The audit trail in the console's Event history page, in a real browser (Debian's Chromium through
// playwright-core, scripts off) against the real server: an allowed SDK call, a denied one, a
// console sign-in with MFA and a failed one each appear; the denied and failed ones are marked in
// words, not only in colour; the GET form filters by user name, event name and time, pages with
// "Older events", and explains bad filters; a user without cloudtrail:LookupEvents is denied.
// A screenshot of the page is taken (event-history.png; see screenshotPath in browser.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { totpCode } from '../../src/crypto/totp.ts';
import { ROOT, startServer, type Credentials, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, screenshotPath } from './browser.ts';

const MIA_PASSWORD = 'Mia-Signs-In-With-MFA-1!';
/** Markup in a recorded value (the denied call's user agent) must come back as text. */
const MARKUP_AGENT = '<img src="x" id="injected"> probe';

let server: Server;
let browser: Browser;
let page: Page;
let dora: Credentials;
let seed = '';

interface Row {
  readonly time: string;
  readonly user: string;
  readonly name: string;
  readonly source: string;
  readonly ip: string;
  readonly error: string;
  readonly outcome: string;
}

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'dora' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'dora' }));
  dora = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  await iam.send(new CreateUserCommand({ UserName: 'mia' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'mia', Password: MIA_PASSWORD }));
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mia' }));
  seed = Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('utf8');
  const now = server.now();
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'mia',
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: totpCode(seed, now - 30_000),
      AuthenticationCode2: totpCode(seed, now),
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

/** The table's rows as they read: the cells of each event's first row, and its marking. */
async function rows(): Promise<Row[]> {
  return page.locator('table.events tbody.event').evaluateAll((groups) =>
    groups.map((group) => {
      const g = group as unknown as {
        className: string;
        querySelector(s: string): { querySelectorAll(s: string): ArrayLike<{ textContent: string }> };
      };
      const cells = Array.from(g.querySelector('tr').querySelectorAll('th, td')).map((c) =>
        c.textContent.replace(/\s+/g, ' ').trim(),
      );
      return {
        time: cells[0]!,
        user: cells[1]!,
        name: cells[2]!,
        source: cells[3]!,
        ip: cells[4]!,
        error: cells[5]!,
        outcome: g.className.replace('event', '').trim(),
      };
    }),
  );
}

/**
 * The root user's ListUsers events the page shows: a test's last call, ListUsers, marks that its
 * calls before it are written — counted from what is there already (the console's own calls as
 * root are recorded too).
 */
async function rootListUsersShown(): Promise<number> {
  await page.goto(url('/console/event-history?username=root&event-name=ListUsers'));
  return (await rows()).length;
}

async function untilRootListUsersShown(count: number): Promise<void> {
  for (let i = 0; i < 50 && (await rootListUsersShown()) < count; i++) {
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function signInRoot(): Promise<void> {
  await page.goto(url('/console/root-signin'));
  await page.getByLabel('Root user email address').fill(ROOT.email);
  await page.getByLabel('Password').fill(ROOT.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console$/);
}

async function signInMia(password: string): Promise<void> {
  await page.goto(url(`/console?account=${ROOT.accountId}`));
  await page.getByLabel('IAM user name').fill('mia');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function search(filters: {
  username?: string;
  eventName?: string;
  start?: string;
  end?: string;
  errorsOnly?: boolean;
}): Promise<void> {
  await page.getByLabel('User name').fill(filters.username ?? '');
  await page.getByLabel('Event name').fill(filters.eventName ?? '');
  await page.getByLabel('From (UTC)').fill(filters.start ?? '');
  await page.getByLabel('Until (UTC)').fill(filters.end ?? '');
  await page
    .getByLabel('Only denied calls, errors and failed sign-ins')
    .setChecked(filters.errorsOnly ?? false);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForLoadState();
}

test('a signed-in user without cloudtrail:LookupEvents finds the page in the navigation and is denied', async () => {
  // The failed sign-in first, then one with the password and an MFA code.
  await signInMia('Not-Mias-Password-2!');
  assert.match(await page.getByRole('alert').innerText(), /Your authentication information is incorrect/);
  await server.advanceClock(30); // a time step after the codes used to enable the device
  await signInMia(MIA_PASSWORD);
  await page.waitForURL(/\/console\/mfa$/);
  await page.getByLabel('MFA code').fill(totpCode(seed, server.now()));
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/console$/);

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/console/event-history')),
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event history' }).click(),
  ]);
  assert.equal(response.status(), 403);
  assert.match(
    await page.getByRole('alert').innerText(),
    /Access denied\.\s+User: arn:aws:iam::123456789012:user\/mia is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action/,
  );
  assert.equal(await page.locator('table.events').count(), 0);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/notice=signed-out/);
});

test('an allowed call, a denied call, a sign-in with MFA and a failed one all appear; the denied ones say so', async () => {
  await server.iam().send(new CreateUserCommand({ UserName: 'erin' }));
  const doraClient = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: dora,
    maxAttempts: 1,
    systemClockOffset: server.now() - Date.now(),
  });
  // The SDK cleans its own user agent up; a browser or script may send anything (unsigned header).
  doraClient.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['user-agent'] = MARKUP_AGENT;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'markupUserAgent' },
  );
  await assert.rejects(doraClient.send(new ListUsersCommand({})), { name: 'AccessDenied' });
  doraClient.destroy();

  await signInRoot();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event history' }).click();
  await page.waitForURL(/\/console\/event-history$/);
  // Events are written in batches a moment after the call: look again until all four are there.
  const wanted = (list: Row[]) =>
    list.some((r) => r.name === 'CreateUser' && r.user === 'root') &&
    list.some((r) => r.name === 'ListUsers' && r.user === 'dora') &&
    list.filter((r) => r.name === 'ConsoleLogin' && r.user === 'mia').length === 2;
  let list = await rows();
  for (let i = 0; i < 50 && !wanted(list); i++) {
    await new Promise((done) => setTimeout(done, 100));
    await page.reload();
    list = await rows();
  }
  assert.ok(wanted(list), JSON.stringify(list, null, 1));
  // Tall enough to show the events the form would push below a laptop's fold.
  await page.setViewportSize({ width: 1024, height: 1100 });
  await page.screenshot({ path: screenshotPath('event-history.png') });
  await page.setViewportSize({ width: 1024, height: 720 });

  const created = list.find((r) => r.name === 'CreateUser' && r.user === 'root')!;
  assert.deepEqual([created.source, created.error, created.outcome], ['iam.amazonaws.com', '', 'success']);
  assert.match(created.time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.match(created.ip, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  const denied = list.find((r) => r.name === 'ListUsers' && r.user === 'dora')!;
  assert.equal(denied.outcome, 'denied');
  assert.equal(denied.error, '✖ Denied AccessDenied');
  const logins = list.filter((r) => r.name === 'ConsoleLogin' && r.user === 'mia');
  assert.deepEqual(logins.map((r) => [r.source, r.outcome, r.error]).sort(), [
    ['signin.amazonaws.com', 'failed', '✖ Failed Failed authentication'],
    ['signin.amazonaws.com', 'success', ''],
  ]);
  assert.ok(list.some((r) => r.name === 'CheckMfa' && r.user === 'mia' && r.outcome === 'success'));
  // Newest first.
  const times = list.map((r) => r.time);
  assert.deepEqual(times, [...times].sort().reverse());

  // The table is labelled for assistive technology: column headers, the marking as text.
  const table = page.getByRole('table', { name: 'Events, newest first' });
  assert.deepEqual(await table.locator('thead th[scope=col]').allInnerTexts(), [
    'Event time (UTC)',
    'User name',
    'Event name',
    'Event source',
    'Source IP address',
    'Error code',
  ]);

  // Each row opens onto its CloudTrail record; what the caller sent is shown as text, never markup.
  const cell = (text: string) => page.locator('tr:first-child > td', { hasText: new RegExp(`^${text}$`) });
  const deniedGroup = page
    .locator('tbody.event.denied')
    .filter({ has: cell('ListUsers') })
    .filter({ has: cell('dora') });
  await deniedGroup.locator('summary').click();
  const record = JSON.parse(await deniedGroup.locator('pre').innerText()) as Record<string, unknown>;
  assert.equal(record.errorCode, 'AccessDenied');
  assert.match(String(record.errorMessage), /dora is not authorized to perform: iam:ListUsers/);
  assert.equal(record.userAgent, MARKUP_AGENT);
  assert.equal(await page.locator('#injected').count(), 0);
  const success = page
    .locator('tbody.event.success')
    .filter({ has: cell('ConsoleLogin') })
    .filter({ has: cell('mia') });
  await success.locator('summary').click();
  const login = JSON.parse(await success.locator('pre').innerText()) as {
    additionalEventData: { MFAUsed: string };
    responseElements: { ConsoleLogin: string };
  };
  assert.deepEqual(
    [login.additionalEventData.MFAUsed, login.responseElements.ConsoleLogin],
    ['Yes', 'Success'],
  );
  await success.locator('summary').click();
});

test('the filters narrow the table, and a filtered view is a URL', async () => {
  await page.goto(url('/console/event-history'));
  await search({ username: 'dora' });
  assert.match(page.url(), /\/console\/event-history\?username=dora&event-name=&start=&end=$/);
  let list = await rows();
  assert.deepEqual(
    list.map((r) => [r.user, r.name, r.outcome]),
    [['dora', 'ListUsers', 'denied']],
  );
  // The form shows the filter it applied.
  assert.equal(await page.getByLabel('User name').inputValue(), 'dora');

  await search({ eventName: 'ConsoleLogin' });
  list = await rows();
  assert.deepEqual(list.map((r) => `${r.user} ${r.outcome}`).sort(), [
    'mia failed',
    'mia success',
    'root success',
  ]);

  // A user name and an event name together: the user's events, then only that event's.
  await search({ username: 'mia', eventName: 'ConsoleLogin' });
  list = await rows();
  assert.deepEqual(list.map((r) => `${r.user} ${r.name} ${r.outcome}`).sort(), [
    'mia ConsoleLogin failed',
    'mia ConsoleLogin success',
  ]);

  // Her failed sign-in, and what the console's pages were refused for her: the console's own calls
  // are recorded as the API's are (her denied visit to this page among them).
  await search({ username: 'mia', errorsOnly: true });
  list = await rows();
  const mias = list.map((r) => `${r.name} ${r.outcome}`);
  assert.ok(mias.includes('ConsoleLogin failed'), JSON.stringify(mias));
  assert.ok(mias.includes('LookupEvents denied'), JSON.stringify(mias));
  assert.ok(
    list.every((r) => r.user === 'mia' && r.outcome !== 'success'),
    JSON.stringify(list),
  );
  await search({ errorsOnly: true });
  list = await rows();
  assert.ok(list.length >= 2 && list.every((r) => r.outcome !== 'success'), JSON.stringify(list));

  // A time range: a range that ends before everything finds nothing; one around now finds all.
  const at = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  await search({ start: at(server.now() - 86_400_000 * 2), end: at(server.now() - 86_400_000) });
  assert.equal(await page.locator('table.events').count(), 0);
  assert.match(
    await page.getByRole('region', { name: 'Events', exact: true }).innerText(),
    /No events match these filters\./,
  );
  await search({
    eventName: 'CreateUser',
    start: at(server.now() - 3_600_000),
    end: at(server.now() + 60_000),
  });
  list = await rows();
  assert.deepEqual(list.map((r) => `${r.user} ${r.name}`).sort(), [
    'root CreateUser',
    'root CreateUser',
    'root CreateUser',
  ]);
});

test('bad filters are explained on the page, never a server error', async () => {
  const cases: [string, RegExp][] = [
    ['?start=last+tuesday', /The start time is not a date and time: use YYYY-MM-DDTHH:MM/],
    ['?start=2026-02-30T10%3A00', /The start time is not a date and time/],
    ['?start=2026-12-04T12%3A00&end=2026-12-04T11%3A00', /The end time is before the start time\./],
    [`?username=${'x'.repeat(2500)}`, /The user name is too long: at most 2000 characters\./],
    ['?next=not-a-token', /InvalidNextTokenException:\s+Invalid NextToken\./],
  ];
  for (const [query, message] of cases) {
    const response = await page.goto(url(`/console/event-history${query}`));
    assert.equal(response?.status(), 400, query);
    assert.match(await page.getByRole('alert').innerText(), message, query);
    // The form is there to correct the filters.
    assert.equal(await page.getByRole('button', { name: 'Search' }).count(), 1, query);
  }
});

test('"Older events" pages through LookupEvents with its NextToken, filters kept', async () => {
  const iam = server.iam();
  const markers = await rootListUsersShown();
  for (let i = 0; i < 55; i++) await iam.send(new GetUserCommand({ UserName: 'erin' }));
  // One node writes its events in the order they came: once a later call is there, all 55 are.
  await iam.send(new ListUsersCommand({}));
  await untilRootListUsersShown(markers + 1);
  await page.goto(url('/console/event-history?event-name=GetUser'));
  let list = await rows();
  assert.equal(list.length, 50);
  const first = list.map((r) => r.time);
  await page.getByRole('link', { name: 'Older events' }).click();
  assert.match(page.url(), /\?event-name=GetUser&next=[\w-]+$/);
  list = await rows();
  assert.equal(list.length, 5);
  assert.ok(list.every((r) => r.name === 'GetUser' && r.user === 'root'));
  assert.ok(list[0]!.time <= first[first.length - 1]!);
  assert.equal(await page.getByRole('link', { name: 'Older events' }).count(), 0);
  await page.getByRole('link', { name: 'Newest events' }).click();
  assert.equal((await rows()).length, 50);

  // A filter LookupEvents cannot apply reads on through its pages (here two) to find the matches.
  await search({ errorsOnly: true });
  list = await rows();
  const errors = list.map((r) => `${r.user} ${r.name} ${r.outcome}`);
  assert.ok(errors.includes('dora ListUsers denied'), JSON.stringify(errors));
  assert.ok(errors.includes('mia ConsoleLogin failed'), JSON.stringify(errors));
  assert.ok(
    list.every((r) => r.outcome !== 'success'),
    JSON.stringify(list),
  );
  assert.equal(await page.getByRole('link', { name: 'Older events' }).count(), 0);
});

test('a page-side filter reads at most ten LookupEvents pages per view, says so, and "Older events" goes on', async () => {
  const iam = server.iam();
  const markers = await rootListUsersShown();
  for (let i = 0; i < 20; i++)
    await Promise.all(Array.from({ length: 25 }, () => iam.send(new GetUserCommand({ UserName: 'erin' }))));
  await iam.send(new ListUsersCommand({}));
  await untilRootListUsersShown(markers + 1);
  // The denied call and the failed sign-in are older than the newest 500 events.
  await page.goto(url('/console/event-history?errors=true'));
  assert.equal((await rows()).length, 0);
  assert.match(
    await page.getByRole('region', { name: 'Events', exact: true }).innerText(),
    /None of the 500 events read; a search stops there\. "Older events" searches further back\./,
  );
  await page.getByRole('link', { name: 'Older events' }).click();
  assert.match(page.url(), /\?errors=true&next=[\w-]+$/);
  // Further back (the console's own calls, recorded too, may push them past one more search).
  const found: string[] = [];
  for (let i = 0; i < 10; i++) {
    found.push(...(await rows()).map((r) => `${r.user} ${r.name} ${r.outcome}`));
    const older = page.getByRole('link', { name: 'Older events' });
    if (found.includes('mia ConsoleLogin failed') || (await older.count()) === 0) break;
    await older.click();
  }
  assert.ok(found.includes('dora ListUsers denied'), JSON.stringify(found));
  assert.ok(found.includes('mia ConsoleLogin failed'), JSON.stringify(found));
});

test('a long record opens on its own page; an unknown event is no such page', async () => {
  // A denied call's parameters are recorded whole: here a policy document of some 40 KB.
  const document = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: Array.from({ length: 400 }, (_, i) => ({
        Sid: `S${i}`,
        Effect: 'Allow',
        Action: 'iam:Get*',
        Resource: '*',
      })),
    },
    null,
    2,
  );
  await assert.rejects(
    server
      .iam(dora)
      .send(new PutUserPolicyCommand({ UserName: 'dora', PolicyName: 'big', PolicyDocument: document })),
    { name: 'AccessDenied' },
  );
  await page.goto(url('/console/event-history?username=dora&event-name=PutUserPolicy'));
  for (let i = 0; i < 50 && (await rows()).length === 0; i++) {
    await new Promise((done) => setTimeout(done, 100));
    await page.reload();
  }
  assert.deepEqual(
    (await rows()).map((r) => `${r.user} ${r.name} ${r.outcome}`),
    ['dora PutUserPolicy denied'],
  );
  await page.locator('tbody.event summary').click();
  assert.equal(await page.locator('tbody.event pre').count(), 0);
  await page.getByRole('link', { name: 'open it on its own page' }).click();
  assert.match(page.url(), /\/console\/event-history\/[0-9a-f-]{36}$/);
  assert.equal(await page.locator('h1').innerText(), 'Event');
  const record = JSON.parse(
    await page.getByRole('region', { name: 'Event record (JSON)' }).locator('pre').innerText(),
  ) as {
    errorCode: string;
    requestParameters: { policyDocument: string };
  };
  assert.equal(record.errorCode, 'AccessDenied');
  assert.equal(record.requestParameters.policyDocument, document);
  assert.match(await page.locator('tbody.event').innerText(), /dora\s+PutUserPolicy[\s\S]*Denied/);

  for (const id of ['not-an-event', '00000000-0000-4000-8000-000000000000']) {
    const response = await page.goto(url(`/console/event-history/${id}`));
    assert.equal(response?.status(), 404, id);
    assert.match(await page.getByRole('alert').innerText(), /There is no such event\./);
  }
});
