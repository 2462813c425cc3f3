// MFA recovery codes in a real browser (Chromium, JavaScript off): the administrator turns the
// option on in Account settings; a user assigns a virtual MFA device and is shown ten codes once;
// signed out, the user signs in with a recovery code at the MFA step, and the same code is refused
// the second time; the administrator sees on the user's Security credentials tab that a code was
// used. Screenshots, light and dark: the codes page, the MFA step with its recovery-code form, and
// the user's Security credentials tab with the flag. Last, with JavaScript on (WebAuthn), a
// security key's registration leads to codes too, and removing the key removes them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { totpCode } from '../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, screenshotPath, signInRoot } from './browser.ts';

const PASSWORD = 'Recovery-Browser-Pass-1!';
const ownCredentials = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'iam:GetUser',
        'iam:ListMFADevices',
        'iam:EnableMFADevice',
        'iam:DeactivateMFADevice',
        'iam:ListAccessKeys',
        'portcullis:GenerateRecoveryCodes',
        'portcullis:GetRecoveryCodeStatus',
      ],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
    {
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/${aws:username}',
    },
  ],
});

let server: Server;
let browser: Browser;
let page: Page;
let codes: string[] = [];

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['dana', 'sky']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: ownCredentials }),
    );
  }
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

/** Both palettes of the page as it stands (the system setting decides; no reload). */
async function screenshots(name: string, on: Page = page, fullPage = true): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await on.emulateMedia({ colorScheme: scheme });
    await on.screenshot({ path: screenshotPath(`console-${name}-${scheme}.png`), fullPage });
  }
  await on.emulateMedia({ colorScheme: 'light' });
}

async function signInWithPassword(): Promise<void> {
  await page.goto(url(`/console?account=${ROOT.accountId}`));
  await page.getByLabel('IAM user name').fill('dana');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/mfa$/);
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/notice=signed-out/);
}

test('the administrator turns recovery codes on in Account settings', async () => {
  const admin = await launchBrowser({ javaScript: false });
  try {
    const root = await admin.context.newPage();
    await signInRoot(root, server.url);
    await root.goto(url('/console/admin/account-settings'));
    await root.getByLabel(/^Recovery codes:/).check();
    await root.getByRole('button', { name: 'Save MFA options' }).click();
    assert.match(await root.locator('main').innerText(), /The MFA options were saved\./);
    assert.equal(await root.getByLabel(/^Recovery codes:/).isChecked(), true);
  } finally {
    await admin.close();
  }
});

test('assigning a virtual MFA device shows ten recovery codes, once', async () => {
  await page.goto(url(`/console?account=${ROOT.accountId}`));
  await page.getByLabel('IAM user name').fill('dana');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console$/);
  await page.getByRole('link', { name: 'My security credentials' }).click();
  await page.getByLabel('Device name').fill('dana');
  await page.getByRole('button', { name: 'Assign MFA device' }).click();
  await page.waitForURL(/\/mfa\/assign$/);
  await page.locator('summary', { hasText: 'Show secret key' }).click();
  const seed = (await page.locator('#secret-key').innerText()).trim();
  const now = server.now();
  await page.getByLabel('MFA code 1').fill(totpCode(seed, now - 30_000));
  await page.getByLabel('MFA code 2').fill(totpCode(seed, now));
  await page.getByRole('button', { name: 'Add MFA' }).click();
  await page.waitForURL(/\/console\/security-credentials\/recovery-codes$/);
  const main = await page.locator('main').innerText();
  assert.match(main, /Save your recovery codes\./);
  assert.match(main, /This is the only time they are shown\./);
  codes = (await page.locator('#recovery-codes code').allInnerTexts()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  for (const code of codes) assert.match(code, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  await screenshots('recovery-codes');

  await page.reload();
  assert.equal(await page.locator('#recovery-codes').count(), 0);
  assert.match(await page.locator('main').innerText(), /Recovery codes are shown only once/);
  await page.getByRole('link', { name: 'Back to My security credentials' }).click();
  assert.match(
    await page.getByRole('region', { name: 'MFA recovery codes' }).innerText(),
    /You have 10 unused recovery codes/,
  );
});

test('signed out, the user signs in with a recovery code instead of the device', async () => {
  await signOut();
  await signInWithPassword();
  const form = page.getByRole('region', { name: 'Use a recovery code' });
  assert.equal(await form.count(), 1);
  await screenshots('mfa-recovery-code');
  await page.getByLabel('Recovery code', { exact: true }).fill(codes[0]!);
  await page.getByRole('button', { name: 'Sign in with recovery code' }).click();
  await page.waitForURL(/\/console$/);
  assert.match(await page.locator('main').innerText(), /Signed in with MFA\s+Yes/);
});

test('the same code is refused the second time', async () => {
  await signOut();
  await signInWithPassword();
  await page.getByLabel('Recovery code', { exact: true }).fill(codes[0]!);
  await page.getByRole('button', { name: 'Sign in with recovery code' }).click();
  assert.match(await page.getByRole('alert').innerText(), /Your authentication information is incorrect/);
  assert.match(page.url(), /\/console\/mfa$/);
  // Another code still works.
  await page.getByLabel('Recovery code', { exact: true }).fill(codes[1]!);
  await page.getByRole('button', { name: 'Sign in with recovery code' }).click();
  await page.waitForURL(/\/console$/);
});

test("the administrator sees on the user's Security credentials tab that a code was used", async () => {
  const admin = await launchBrowser({ javaScript: false });
  try {
    const root = await admin.context.newPage();
    await signInRoot(root, server.url);
    await root.goto(url('/console/admin/users/dana?tab=security-credentials'));
    const section = await root.getByRole('region', { name: 'MFA recovery codes' }).innerText();
    assert.match(section, /A recovery code was used to sign in on \d{4}-\d\d-\d\dT[\d:]+Z\./);
    assert.match(section, /8 unused recovery codes/);
    // The tab is long: the picture is of the MFA sections, where the flag is.
    await root
      .locator('#mfa-heading')
      .evaluate((e) => (e as unknown as { scrollIntoView(): void }).scrollIntoView());
    await screenshots('user-recovery-code-used', root, false);
  } finally {
    await admin.close();
  }
});

// WebAuthn needs JavaScript and a domain for its RP ID: a browser of its own, reaching the server
// as "localhost", with Chromium's virtual authenticator (as security-key.test.ts does).
test('registering a security key shows codes too; removing the key removes them', async () => {
  const withScripts = await launchBrowser();
  try {
    const keyPage = await withScripts.context.newPage();
    keyPage.setDefaultTimeout(5000);
    const cdp = await withScripts.context.newCDPSession(keyPage);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const base = server.url.replace('127.0.0.1', 'localhost');
    await keyPage.goto(`${base}/console?account=${ROOT.accountId}`);
    await keyPage.getByLabel('IAM user name').fill('sky');
    await keyPage.getByLabel('Password').fill(PASSWORD);
    await keyPage.getByRole('button', { name: 'Sign in' }).click();
    await keyPage.waitForURL(/\/console$/);
    await keyPage.goto(`${base}/console/security-credentials`);
    await keyPage.getByLabel('Security key name').fill('sky-key');
    await keyPage.getByRole('button', { name: 'Register security key' }).click();
    await keyPage.waitForURL(/\/console\/security-credentials\/recovery-codes$/);
    assert.equal(await keyPage.locator('#recovery-codes code').count(), 10);

    await keyPage.goto(`${base}/console/security-credentials`);
    const row = keyPage
      .getByRole('table', { name: 'Your security keys' })
      .getByRole('row', { name: /sky-key/ });
    await row.getByText('Remove', { exact: true }).click();
    await row.getByRole('button', { name: 'Yes, remove' }).click();
    await keyPage.waitForURL(/notice=key-removed/);
    assert.match(
      await keyPage.getByRole('region', { name: 'MFA recovery codes' }).innerText(),
      /You have no recovery codes/,
    );
  } finally {
    await withScripts.close();
  }
});
