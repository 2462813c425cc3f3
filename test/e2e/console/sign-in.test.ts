// Signing in to the console: IAM users by account id or alias, the root user by e-mail; failures
// that do not tell an unknown user from a wrong password; the MFA step and what it gives the
// session; the password change that a reset or an expired password forces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccountAliasCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserCommand,
  PutUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, signIn, signInRoot, visibleText, type Page } from './client.ts';

const ACCOUNT = ROOT.accountId;
const PASSWORD = 'Sign-In-Tests-Pass-1!';
const FAILED = 'Your authentication information is incorrect. Please try again.';
let server: Server;
let seed = '';

const allowListUsersWithRecentMfa = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'iam:ListUsers',
      Resource: '*',
      Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
    },
  ],
});

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp' }));
  for (const name of ['una', 'mia', 'rita', 'nopass'])
    await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'una', Password: PASSWORD }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'mia', Password: PASSWORD }));
  await iam.send(
    new CreateLoginProfileCommand({ UserName: 'rita', Password: PASSWORD, PasswordResetRequired: true }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mia',
      PolicyName: 'recent-mfa',
      PolicyDocument: allowListUsersWithRecentMfa,
    }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'rita',
      PolicyName: 'own-password',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iam:ChangePassword', Resource: 'arn:aws:iam::*:user/${aws:username}' },
        ],
      }),
    }),
  );
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
});
after(async () => {
  await server?.stop();
});

const alertText = (page: Page) =>
  visibleText(/<div class="alert error"[^>]*>([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? '');

async function attempt(fields: Record<string, string>): Promise<Page> {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  return client.post('/console/signin', { kind: 'iam', ...fields });
}

test('an IAM user signs in with the account id, or with the alias, and sees the sign-in URL', async () => {
  const byId = await signIn(new ConsoleClient(server.url), ACCOUNT, 'una', PASSWORD);
  assert.equal(byId.status, 200);
  const text = visibleText(byId.text);
  assert.match(text, /IAM dashboard/);
  // Without iam:ListAccountAliases the URL names the account id, as AWS's dashboard does.
  assert.match(
    text,
    new RegExp(`Sign-in URL for IAM users in this account ${server.url}/console\\?account=${ACCOUNT}`),
  );
  // The rest of the page works while a section is denied.
  assert.match(
    text,
    /Access denied\. User: arn:aws:iam::123456789012:user\/una is not authorized to perform: iam:GetAccountSummary/,
  );
  const asRoot = await signInRoot(new ConsoleClient(server.url), ROOT.email, ROOT.password);
  assert.match(
    visibleText(asRoot.text),
    new RegExp(`Sign-in URL for IAM users in this account ${server.url}/console\\?account=example-corp`),
  );
  const byAlias = await signIn(new ConsoleClient(server.url), 'example-corp', 'una', PASSWORD);
  assert.match(visibleText(byAlias.text), /Signed in as arn:aws:iam::123456789012:user\/una/);
  const user = await server.iam().send(new GetUserCommand({ UserName: 'una' }));
  assert.ok(user.User?.PasswordLastUsed, 'the sign-in is recorded as the password last used');
});

test('a wrong password, an unknown user, an unknown account and a user without a password all fail alike', async () => {
  const answers = [
    await attempt({ account: ACCOUNT, username: 'una', password: 'Wrong-Password-1!' }),
    await attempt({ account: ACCOUNT, username: 'nobody-here', password: 'Wrong-Password-1!' }),
    await attempt({ account: '999999999999', username: 'una', password: PASSWORD }),
    await attempt({ account: ACCOUNT, username: 'nopass', password: PASSWORD }),
  ];
  for (const answer of answers) {
    assert.equal(answer.status, 401);
    assert.equal(alertText(answer), FAILED);
  }
});

test('the root user signs in with the e-mail address and password; its use is recorded', async () => {
  const wrong = new ConsoleClient(server.url);
  await wrong.get('/console/root-signin');
  const refused = await wrong.post('/console/signin', { kind: 'root', email: ROOT.email, password: 'nope' });
  assert.equal(refused.status, 401);
  assert.equal(alertText(refused), FAILED);
  const page = await signInRoot(new ConsoleClient(server.url), ROOT.email.toUpperCase(), ROOT.password);
  assert.match(visibleText(page.text), /Signed in as arn:aws:iam::123456789012:root/);
  const root = await server.iam().send(new GetUserCommand({}));
  assert.ok(root.User?.PasswordLastUsed);
});

test('a user with an MFA device must give a code; until then the session opens nothing else', async () => {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  const posted = await client.post('/console/signin', {
    kind: 'iam',
    account: ACCOUNT,
    username: 'mia',
    password: PASSWORD,
  });
  assert.equal(posted.location, '/console/mfa');
  const pendingToken = client.cookies.get('portcullis-console')!;
  const blocked = await client.get('/console/admin/users');
  assert.equal(blocked.status, 303);
  assert.equal(blocked.location, '/console/mfa');

  await client.get('/console/mfa');
  const wrong = await client.post('/console/mfa', {
    code: '000000' === totpCode(seed, server.now()) ? '111111' : '000000',
  });
  assert.equal(wrong.status, 401);
  assert.equal(alertText(wrong), FAILED);

  await server.advanceClock(30); // a step after the codes used to enable the device
  const right = await client.post('/console/mfa', { code: totpCode(seed, server.now()) });
  assert.equal(right.status, 303);
  assert.equal(right.location, '/console');
  assert.notEqual(client.cookies.get('portcullis-console'), pendingToken, 'a new token once MFA is proven');
  const stale = new ConsoleClient(server.url);
  stale.cookies.set('portcullis-console', pendingToken);
  assert.equal((await stale.get('/console/mfa')).location, '/console');

  const dashboard = await client.get('/console');
  assert.match(visibleText(dashboard.text), /Signed in with MFA Yes/);
  // aws:MultiFactorAuthAge: allowed while the MFA is recent, denied an hour later.
  const users = await client.get('/console/admin/users');
  assert.match(visibleText(users.text), /IAM users in this account/);
  await server.advanceClock(50 * 60);
  await client.get('/console');
  await server.advanceClock(20 * 60);
  const later = await client.get('/console/admin/users');
  assert.match(
    visibleText(later.text),
    /User: arn:aws:iam::123456789012:user\/mia is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user\/ because no identity-based policy allows the iam:ListUsers action/,
  );
});

test('five wrong MFA codes end the sign-in; it starts over with the password', async () => {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  await client.post('/console/signin', {
    kind: 'iam',
    account: ACCOUNT,
    username: 'mia',
    password: PASSWORD,
  });
  await client.get('/console/mfa');
  const current = totpCode(seed, server.now());
  const bad = current === '123123' ? '321321' : '123123';
  let last: Page | undefined;
  for (let i = 0; i < 5; i++) {
    last = await client.post('/console/mfa', { code: bad });
  }
  assert.equal(last!.status, 303);
  assert.equal(last!.location, '/console?notice=mfa-restart');
  assert.equal(client.cookies.get('portcullis-console'), undefined);
});

test('a required password reset comes first; the policy is shown and enforced with clear messages', async () => {
  const client = new ConsoleClient(server.url);
  const landed = await signIn(client, ACCOUNT, 'rita', PASSWORD);
  assert.match(visibleText(landed.text), /You must change your password to continue/);
  assert.match(visibleText(landed.text), /Password requirements/);
  assert.equal((await client.get('/console/security-credentials')).location, '/console/change-password');
  await client.get('/console/change-password');
  const mismatch = await client.post('/console/change-password', {
    'old-password': PASSWORD,
    'new-password': 'Rita-New-Pass-1!',
    'confirm-password': 'Rita-New-Pass-2!',
  });
  assert.equal(alertText(mismatch), 'The new passwords do not match.');
  const weak = await client.post('/console/change-password', {
    'old-password': PASSWORD,
    'new-password': 'weak',
    'confirm-password': 'weak',
  });
  assert.match(alertText(weak), /does not meet the password policy: Minimum password length is 8 characters/);
  const wrongOld = await client.post('/console/change-password', {
    'old-password': 'not-it',
    'new-password': 'Rita-New-Pass-1!',
    'confirm-password': 'Rita-New-Pass-1!',
  });
  assert.equal(alertText(wrongOld), 'The old password is incorrect.');
  const done = await client.post('/console/change-password', {
    'old-password': PASSWORD,
    'new-password': 'Rita-New-Pass-1!',
    'confirm-password': 'Rita-New-Pass-1!',
  });
  assert.equal(done.location, '/console?notice=password-changed');
  const again = await signIn(new ConsoleClient(server.url), ACCOUNT, 'rita', 'Rita-New-Pass-1!');
  assert.match(visibleText(again.text), /IAM dashboard/);
});

test('an expired password forces a change; with HardExpiry the sign-in is refused', async () => {
  const iam = server.iam();
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MaxPasswordAge: 1, MinimumPasswordLength: 10 }));
  await server.advanceClock(86_400 + 60);
  const expired = await signIn(new ConsoleClient(server.url), ACCOUNT, 'una', PASSWORD);
  assert.match(visibleText(expired.text), /Your password has expired/);
  assert.match(visibleText(expired.text), /Minimum password length is 10 characters/);
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MaxPasswordAge: 1, HardExpiry: true }));
  const refused = await attempt({ account: ACCOUNT, username: 'una', password: PASSWORD });
  assert.equal(refused.status, 403);
  assert.equal(alertText(refused), 'Your password has expired and must be reset by an administrator.');
});
