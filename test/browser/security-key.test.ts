// A FIDO2 security key in a real browser: Chromium's virtual WebAuthn authenticator (CDP
// WebAuthn.addVirtualAuthenticator) registers a key from "My security credentials"; the next
// sign-in asks for MFA, the key answers, and the session carries MFA like a code would.
// WebAuthn needs a domain for its RP ID, so the browser reaches the server as "localhost".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';

const PASSWORD = 'Security-Key-Pass-1!';
let server: Server;
let browser: Browser;
let page: Page;
let base = '';

before(async () => {
  server = await startServer();
  base = server.url.replace('127.0.0.1', 'localhost');
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'sky' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'sky', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'sky',
      PolicyName: 'own-mfa',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:EnableMFADevice', 'iam:DeactivateMFADevice'],
            Resource: 'arn:aws:iam::*:user/${aws:username}',
          },
          {
            Effect: 'Allow',
            Action: 'iam:ListUsers',
            Resource: '*',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          },
        ],
      }),
    }),
  );
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.setDefaultTimeout(5000);
  const cdp = await browser.context.newCDPSession(page);
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
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Signs in with the keyboard alone: the user name field has focus, Tab moves on, Enter submits. */
async function signInWithPassword(): Promise<void> {
  await page.goto(`${base}/console?account=${ROOT.accountId}`);
  assert.equal(await page.locator('#username:focus').count(), 1, 'the user name field has focus');
  await page.keyboard.type('sky');
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
}

test('the user registers a security key through the browser', async () => {
  await signInWithPassword();
  await page.waitForURL(/\/console$/);
  await page.getByRole('link', { name: 'My security credentials' }).click();
  await page.getByLabel('Security key name').fill('my yubikey');
  await page.getByRole('button', { name: 'Register security key' }).click();
  await page.waitForURL(/notice=key-registered/);
  const keys = await page.getByRole('table', { name: 'Your security keys' }).innerText();
  assert.match(keys, /my yubikey/);
});

test('signing in again asks for MFA; the security key answers and the session has MFA', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/notice=signed-out/);
  await signInWithPassword();
  await page.waitForURL(/\/console\/mfa$/);
  assert.equal(await page.getByLabel('MFA code').count(), 0, 'no code field without a virtual device');
  await page.getByRole('button', { name: 'Use security key' }).click();
  await page.waitForURL(/\/console$/);
  assert.match(await page.locator('main').innerText(), /Signed in with MFA\s+Yes/);
  await page.getByRole('link', { name: 'Users' }).click();
  assert.match(await page.getByRole('table', { name: 'IAM users in this account' }).innerText(), /sky/);
});

test('the key is listed with its last use and can be removed', async () => {
  await page.getByRole('link', { name: 'My security credentials' }).click();
  const row = page.getByRole('row', { name: /my yubikey/ });
  assert.doesNotMatch(await row.innerText(), /Never\s/);
  await row.getByRole('button', { name: 'Remove' }).click();
  await page.waitForURL(/notice=key-removed/);
  assert.match(await page.locator('main').innerText(), /Your security keys: none\./);
});
