// Administrator-assisted MFA reset and a group's MFA enrolment grace period in a real browser
// (Debian's Chromium through playwright-core, JavaScript off): the administrator turns both on
// in Account settings, sets "within 2 sign-ins" on a group and resets a user's MFA with the
// confirmed button; the user signs in, lands on the enrolment page, cannot leave it, enrols a
// virtual device with the secret key and two codes, and the console works again; a member of the
// group sees the notice at two sign-ins and must enrol at the third. Each new page is pictured in
// the light and dark palettes (console-group-mfa-grace-*, console-mfa-reset-*,
// console-mfa-enrol-required-*; see screenshotPath in browser.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListMFADevicesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { totpCode } from '../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { consecutiveCodes, seedOf } from '../e2e/mfa/codes.ts';
import { type Browser, launchBrowser, screenshotPath, signInRoot } from './browser.ts';

const PASSWORD = 'Mfa-Reset-Browser-Pass-1!';
const selfService = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['iam:ListUsers'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:EnableMFADevice', 'iam:ListAccessKeys'],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
    {
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/${aws:username}',
    },
  ],
});

let server: Server;
const browsers: Browser[] = [];
let admin: Page;

const url = (path: string) => `${server.url}${path}`;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['mia', 'gus']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: selfService }),
    );
  }
  await iam.send(new CreateGroupCommand({ GroupName: 'staged' }));
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mia' }));
  const { code1, code2 } = consecutiveCodes(seedOf(device.VirtualMFADevice!.Base32StringSeed), server.now());
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'mia',
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    }),
  );
  admin = await newPage();
  await signInRoot(admin, server.url);
});

after(async () => {
  for (const browser of browsers) await browser.close();
  await server?.stop();
});

/** A page in a browser of its own (its own cookies), JavaScript off. */
async function newPage(): Promise<Page> {
  const browser = await launchBrowser({ javaScript: false });
  browsers.push(browser);
  return browser.context.newPage();
}

/** The page pictured in both palettes, full length. */
async function picture(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: screenshotPath(`console-${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function signIn(page: Page, userName: string): Promise<void> {
  // A fresh sign-in each time, as after closing the browser.
  await page.context().clearCookies();
  await page.goto(url(`/console?account=${ROOT.accountId}`));
  await page.getByLabel('IAM user name').fill(userName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the administrator turns both options on in Account settings', async () => {
  await admin.goto(url('/console/admin/account-settings'));
  await admin.locator('#AdminReset').check();
  await admin.locator('#EnrolmentGracePeriods').check();
  await admin.getByRole('button', { name: 'Save MFA options' }).click();
  assert.match(await admin.getByRole('status').innerText(), /The MFA options were saved\./);
});

test("the administrator sets a group's grace period of two sign-ins", async () => {
  await admin.goto(url('/console/admin/groups/staged'));
  await admin.getByLabel(/within this many console sign-ins/).fill('2');
  await admin.getByRole('button', { name: 'Save grace period' }).click();
  assert.match(await admin.getByRole('status').innerText(), /The MFA enrolment grace period was saved\./);
  assert.match(
    await admin.locator('#mfa-grace-status').innerText(),
    /Members must enrol MFA within 2 sign-ins/,
  );
  await picture(admin, 'group-mfa-grace');
});

test("the administrator resets a user's MFA with the confirmed button", async () => {
  await admin.goto(url('/console/admin/users/mia?tab=security-credentials'));
  assert.match(await admin.locator('#mfa-status').innerText(), /MFA: enabled/);
  await admin.locator('summary', { hasText: 'Reset MFA' }).click();
  await admin.getByRole('button', { name: 'Yes, reset MFA' }).click();
  assert.match(await admin.getByRole('status').innerText(), /The user's MFA was reset/);
  assert.match(
    await admin.locator('#mfa-reset-status').innerText(),
    /MFA was reset by arn:aws:iam::\d{12}:root on .+; the user must enrol at next sign-in\./,
  );
  assert.match(await admin.locator('#mfa-status').innerText(), /MFA: not enabled/);
  const devices = await server.iam().send(new ListMFADevicesCommand({ UserName: 'mia' }));
  assert.deepEqual(devices.MFADevices, []);
  await picture(admin, 'mfa-reset');
});

test('the user is led to enrolment, cannot go elsewhere, enrols, and the console works again', async () => {
  const page = await newPage();
  await signIn(page, 'mia');
  await page.waitForURL(/\/console\/mfa-enrolment$/);
  assert.match(await page.locator('#mfa-enrolment-reason').innerText(), /An administrator has reset your/);
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
  await picture(page, 'mfa-enrol-required');

  await page.goto(url('/console/admin/users'));
  await page.waitForURL(/\/console\/mfa-enrolment$/);

  await page.getByRole('button', { name: 'Assign MFA device' }).click();
  await page.waitForURL(/\/console\/security-credentials\/mfa\/assign$/);
  await page.locator('summary', { hasText: 'Show secret key' }).click();
  const seed = (await page.locator('#secret-key').innerText()).trim();
  const now = server.now();
  await page.getByLabel('MFA code 1').fill(totpCode(seed, now - 30_000));
  await page.getByLabel('MFA code 2').fill(totpCode(seed, now));
  await page.getByRole('button', { name: 'Add MFA' }).click();
  await page.waitForURL(/\/console\/security-credentials\?notice=mfa-assigned$/);

  await page.goto(url('/console/admin/users'));
  assert.match(page.url(), /\/console\/admin\/users$/);
  assert.match(await page.locator('main').innerText(), /gus/);
});

test('a member of the group sees the notice at two sign-ins and must enrol at the third', async () => {
  await server.iam().send(new AddUserToGroupCommand({ GroupName: 'staged', UserName: 'gus' }));
  const page = await newPage();
  for (const expected of [
    'You must enrol an MFA device within 1 more sign-in.',
    'You must enrol an MFA device before you next sign in.',
  ]) {
    await signIn(page, 'gus');
    await page.waitForURL(/\/console$/);
    assert.equal((await page.locator('#mfa-enrolment-notice').innerText()).trim(), expected);
  }
  await signIn(page, 'gus');
  await page.waitForURL(/\/console\/mfa-enrolment$/);
  assert.match(await page.locator('#mfa-enrolment-reason').innerText(), /your grace period is over/);
});
