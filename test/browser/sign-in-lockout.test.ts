// The sign-in lockout and the orphaned MFA devices in a real browser (Chromium, scripts off), in
// the light and the dark scheme: the administrator turns both on from Account settings; three wrong
// passwords lock the user, whose right password then meets the lock's words; the user's page says
// until when and after how many attempts; the abandoned enrolment is listed with its age and
// expiry; "Unlock sign-in", once confirmed, lets the user in. Screenshots of each page, each scheme.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, screenshotPath, signInRoot } from './browser.ts';

const PASSWORD = 'Lockout-Browser-1!';
const LOCKED =
  /Sign-in is locked after too many failed attempts\. Try again in \d+ minutes, or ask an administrator to unlock it\./;
let server: Server;
const browsers: Browser[] = [];

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'lena' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'lena', Password: PASSWORD }));
  // An enrolment abandoned after its first step: the device named after the user stays unassigned.
  await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'lena' }));
});
after(async () => {
  for (const browser of browsers) await browser.close();
  await server?.stop();
});

async function pageIn(scheme: 'light' | 'dark'): Promise<Page> {
  const browser = await launchBrowser({ javaScript: false });
  browsers.push(browser);
  const page = await browser.context.newPage();
  await page.emulateMedia({ colorScheme: scheme });
  return page;
}

async function signInAsLena(page: Page, password: string): Promise<void> {
  await page.goto(`${server.url}/console`);
  await page.getByLabel('Account ID (12 digits) or account alias').fill(ROOT.accountId);
  await page.getByLabel('IAM user name').fill('lena');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

test('the administrator turns on the lockout (3) and the janitor (24 hours) from Account settings', async () => {
  const page = await pageIn('light');
  await signInRoot(page, server.url);
  await page.goto(`${server.url}/console/admin/account-settings`);
  await page.getByLabel(/^Sign-in lockout/).fill('3');
  await page.getByLabel(/^Delete virtual MFA devices left unassigned/).fill('24');
  await page.getByRole('button', { name: 'Save MFA options' }).click();
  await page.waitForURL(/notice=mfa-options-saved/);
  assert.match(await page.locator('main').innerText(), /The MFA options were saved\./);
});

for (const scheme of ['light', 'dark'] as const) {
  test(`${scheme}: the lock at sign-in, on the user's page, the orphaned devices, and the unlock`, async () => {
    const user = await pageIn(scheme);
    if (scheme === 'light') {
      for (let i = 0; i < 3; i++) {
        await signInAsLena(user, `Wrong-${i}`);
        assert.match(await user.locator('main').innerText(), /Your authentication information is incorrect/);
      }
    }
    await signInAsLena(user, PASSWORD);
    assert.match(await user.getByRole('alert').innerText(), LOCKED);
    await user.screenshot({ path: screenshotPath(`console-sign-in-locked-${scheme}.png`), fullPage: true });

    const admin = await pageIn(scheme);
    await signInRoot(admin, server.url);
    await admin.goto(`${server.url}/console/admin/users/lena?tab=security-credentials`);
    const lock = admin.getByRole('region', { name: 'Console sign-in lock' });
    assert.match(await lock.innerText(), /Sign-in locked until \S+ after 3 failed attempts\./);
    await lock.getByText('Unlock sign-in', { exact: true }).click(); // opens the confirmation (no script needed)
    await admin.screenshot({
      path: screenshotPath(`console-user-sign-in-lock-${scheme}.png`),
      fullPage: true,
    });

    await admin.goto(`${server.url}/console/admin/account-settings`);
    const orphans = admin.getByRole('region', { name: 'Orphaned MFA devices' });
    const listed = await orphans.innerText();
    assert.match(listed, new RegExp(`arn:aws:iam::${ROOT.accountId}:mfa/lena`));
    assert.match(listed, /Each is deleted 24 hours after it was created/);
    assert.match(listed, /At the first sweep after/);
    await orphans.scrollIntoViewIfNeeded();
    await admin.screenshot({
      path: screenshotPath(`console-orphaned-mfa-devices-${scheme}.png`),
      fullPage: true,
    });

    if (scheme === 'dark') {
      await admin.goto(`${server.url}/console/admin/users/lena?tab=security-credentials`);
      await admin.getByText('Unlock sign-in', { exact: true }).click();
      await admin.getByRole('button', { name: 'Yes, unlock sign-in' }).click();
      await admin.waitForURL(/notice=sign-in-unlocked/);
      assert.match(await admin.locator('main').innerText(), /Sign-in was unlocked/);
      assert.match(
        await admin.getByRole('region', { name: 'Console sign-in lock' }).innerText(),
        /Sign-in is not locked\./,
      );
      await signInAsLena(user, PASSWORD);
      await user.waitForURL(/\/console$/);
    }
  });
}
