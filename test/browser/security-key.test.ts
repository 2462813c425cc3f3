// A FIDO2 security key in a real browser: Chromium's virtual WebAuthn authenticator (CDP
// WebAuthn.addVirtualAuthenticator) registers a key from "My security credentials"; the next
// sign-in asks for MFA, the key answers, and the session carries MFA like a code would.
// WebAuthn needs a domain for its RP ID, so the browser reaches the server as "localhost".
// The registered key is an MFA device for the IAM API too, as on AWS (a u2f serial number).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetMFADeviceCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  ResyncMFADeviceCommand,
  TagMFADeviceCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, awsError, startServer, type Server } from '../e2e/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';

const PASSWORD = 'Security-Key-Pass-1!';
const u2fSerial = (keyName: string) =>
  new RegExp(`^arn:aws:iam::${ROOT.accountId}:u2f/user/sky/${keyName}-[A-Z2-7]{26}$`);
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
  // AWS's rule for MFA device names: no spaces (the name is part of the serial number).
  await page.getByLabel('Security key name').fill('my yubikey');
  await page.getByRole('button', { name: 'Register security key' }).click();
  const error = page.locator('#security-key-error');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.innerText(), /no spaces/);
  await page.getByLabel('Security key name').fill('my-yubikey');
  await page.getByRole('button', { name: 'Register security key' }).click();
  await page.waitForURL(/notice=key-registered/);
  const keys = await page.getByRole('table', { name: 'Your security keys' }).innerText();
  assert.match(keys, /my-yubikey/);
  assert.match(keys, new RegExp(`arn:aws:iam::${ROOT.accountId}:u2f/user/sky/my-yubikey-`));
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
  await page.getByRole('link', { name: 'Access management' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
  assert.match(await page.getByRole('table', { name: 'IAM users in this account' }).innerText(), /sky/);
});

test('the IAM API sees the key as an MFA device of the user, as AWS does', async () => {
  const iam = server.iam();
  const listed = await iam.send(new ListMFADevicesCommand({ UserName: 'sky' }));
  assert.equal(listed.MFADevices?.length, 1);
  const device = listed.MFADevices![0]!;
  assert.equal(device.UserName, 'sky');
  assert.match(device.SerialNumber!, u2fSerial('my-yubikey'));
  assert.ok(device.EnableDate instanceof Date);
  const serial = device.SerialNumber!;

  const got = await iam.send(new GetMFADeviceCommand({ UserName: 'sky', SerialNumber: serial }));
  assert.equal(got.SerialNumber, serial);
  assert.equal(got.UserName, 'sky');

  const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(summary.MFADevicesInUse, 1);
  assert.equal(summary.MFADevices, 1);

  await iam.send(new GenerateCredentialReportCommand({}));
  const csv = Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString('utf8');
  const [header, ...rows] = csv.trim().split('\n');
  const column = header!.split(',').indexOf('mfa_active');
  const sky = rows.find((r) => r.startsWith('sky,'))!.split(',');
  assert.equal(sky[column], 'true');

  const virtual = await iam.send(new ListVirtualMFADevicesCommand({}));
  assert.deepEqual(virtual.VirtualMFADevices ?? [], []);
  const noVirtual = {
    code: 'NoSuchEntity',
    message: `MFA Device with serial number ${serial} does not exist.`,
    status: 404,
  };
  assert.deepEqual(
    await awsError(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }))),
    noVirtual,
  );
  assert.deepEqual(
    await awsError(
      iam.send(new TagMFADeviceCommand({ SerialNumber: serial, Tags: [{ Key: 'k', Value: 'v' }] })),
    ),
    noVirtual,
  );
  const enable = await awsError(
    iam.send(
      new EnableMFADeviceCommand({
        UserName: 'sky',
        SerialNumber: serial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    ),
  );
  assert.equal(enable.code, 'EntityAlreadyExists');
  assert.equal(enable.message, 'MFA Device is already in use.');
  const resync = await awsError(
    iam.send(
      new ResyncMFADeviceCommand({
        UserName: 'sky',
        SerialNumber: serial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    ),
  );
  assert.equal(resync.code, 'InvalidAuthenticationCode');
  assert.equal(resync.message, 'Authentication code for device is not valid.');
  // The key still works as an MFA device after those refusals.
  assert.equal((await iam.send(new ListMFADevicesCommand({ UserName: 'sky' }))).MFADevices?.length, 1);
});

test('the key is listed with its last use and can be removed', async () => {
  await page.getByRole('link', { name: 'My security credentials' }).click();
  const row = page
    .getByRole('table', { name: 'Your security keys' })
    .getByRole('row', { name: /my-yubikey/ });
  assert.doesNotMatch(await row.innerText(), /Never\s/);
  // Removing is destructive: the first click only opens the confirmation, which says what follows.
  await row.getByText('Remove', { exact: true }).click();
  assert.match(await row.innerText(), /Sign-in will no longer accept this security key/);
  await row.getByRole('button', { name: 'Yes, remove' }).click();
  await page.waitForURL(/notice=key-removed/);
  assert.match(await page.locator('main').innerText(), /Your security keys: none\./);
});

test("DeactivateMFADevice with the key's serial number removes the key from the console too", async () => {
  await page.getByLabel('Security key name').fill('second-key');
  await page.getByRole('button', { name: 'Register security key' }).click();
  await page.waitForURL(/notice=key-registered/);
  const iam = server.iam();
  const listed = (await iam.send(new ListMFADevicesCommand({ UserName: 'sky' }))).MFADevices ?? [];
  assert.equal(listed.length, 1, 'the key removed in the console is no MFA device any more');
  const serial = listed[0]!.SerialNumber!;
  assert.match(serial, u2fSerial('second-key'));

  await iam.send(new DeactivateMFADeviceCommand({ UserName: 'sky', SerialNumber: serial }));
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'sky' }))).MFADevices, []);
  assert.deepEqual(
    await awsError(iam.send(new GetMFADeviceCommand({ UserName: 'sky', SerialNumber: serial }))),
    { code: 'NoSuchEntity', message: `MFA Device with serial number ${serial} does not exist.`, status: 404 },
  );
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.MFADevicesInUse, 0);

  await page.reload();
  assert.match(await page.locator('main').innerText(), /Your security keys: none\./);
  // With no device left, signing in asks for no MFA.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/notice=signed-out/);
  await signInWithPassword();
  await page.waitForURL(/\/console$/);
});
