// The account's sign-in lockout (MFA options beyond AWS): off, the built-in back-off is unchanged;
// on with N = 3, a user is locked after 3 wrong passwords, the right one refused too, an unknown
// name gets the same words, the lock doubles, and an administrator allowed
// portcullis:UnlockUserSignIn unlocks it from the user's page (a reader is refused).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, visibleText, type Page } from './client.ts';
import { noticeText, rootClient, sectionOf, submit, userClient } from '../console-admin/admin-client.ts';

const PASSWORD = 'Lockout-Pass-1!';
const SETTINGS = '/console/admin/account-settings';
const LOCKED =
  /Sign-in is locked after too many failed attempts\. Try again in (\d+) minutes, or ask an administrator to unlock it\./;
let server: Server;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['lena', 'mona', 'reader']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
  }
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'reader',
      PolicyName: 'read-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['iam:Get*', 'iam:List*', 'portcullis:GetUserSignInLock'],
            Resource: '*',
          },
        ],
      }),
    }),
  );
});
after(async () => {
  await server?.stop();
});

async function attempt(username: string, password: string): Promise<Page> {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  return client.post('/console/signin', { kind: 'iam', account: ROOT.accountId, username, password });
}

async function setLockout(failures: string): Promise<void> {
  const root = await rootClient(server);
  const { page } = await submit(root, SETTINGS, `${SETTINGS}/mfa-options`, { LockoutFailures: failures });
  assert.equal(noticeText(page), 'The MFA options were saved.');
}

const lockText = async (client: ConsoleClient, user: string) =>
  visibleText(
    sectionOf(
      await client.get(`/console/admin/users/${user}?tab=security-credentials`),
      'sign-in-lock-heading',
    ),
  );

test('with the option off, the built-in back-off is unchanged: 3 wrong passwords lock nothing', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await attempt('mona', `Wrong-${i}`)).status, 401);
  assert.equal((await attempt('mona', PASSWORD)).status, 303);
  const root = await rootClient(server);
  assert.match(
    await lockText(root, 'mona'),
    /Sign-in is not locked\. This account uses the built-in back-off only/,
  );
});

test('on with N = 3: locked after 3 wrong passwords, the right one refused, an unknown name alike', async () => {
  await setLockout('3');
  for (let i = 0; i < 3; i++) assert.equal((await attempt('lena', `Wrong-${i}`)).status, 401);
  const locked = await attempt('lena', PASSWORD);
  assert.equal(locked.status, 429);
  const words = visibleText(locked.text).match(LOCKED);
  assert.ok(words, visibleText(locked.text));
  assert.equal(words[1], '15');
  assert.doesNotMatch(visibleText(locked.text), /Lockout-Pass/);

  for (let i = 0; i < 3; i++) assert.equal((await attempt('nobody-here', `Wrong-${i}`)).status, 401);
  const unknown = await attempt('nobody-here', PASSWORD);
  assert.equal(unknown.status, 429);
  assert.equal(visibleText(unknown.text).match(LOCKED)?.[0], words[0]);

  // Other users are not locked.
  assert.equal((await attempt('mona', PASSWORD)).status, 303);

  const root = await rootClient(server);
  assert.match(await lockText(root, 'lena'), /Sign-in locked until \S+ after 3 failed attempts\./);
  assert.match(await lockText(root, 'lena'), /locks a user's sign-in after 3 wrong passwords or codes/);
});

test('a reader without portcullis:UnlockUserSignIn is refused; the administrator unlocks', async () => {
  const reader = await userClient(server, 'reader', PASSWORD);
  assert.match(await lockText(reader, 'lena'), /Sign-in locked until/);
  const refused = await submit(
    reader,
    '/console/admin/users/lena?tab=security-credentials',
    '/console/admin/users/lena/sign-in/unlock',
    {},
  );
  assert.equal(refused.posted.status, 403);
  assert.match(visibleText(refused.posted.text), /not authorized to perform: portcullis:UnlockUserSignIn/);
  assert.equal((await attempt('lena', PASSWORD)).status, 429, 'still locked');

  const root = await rootClient(server);
  const { page } = await submit(
    root,
    '/console/admin/users/lena?tab=security-credentials',
    '/console/admin/users/lena/sign-in/unlock',
    {},
  );
  assert.equal(noticeText(page), "Sign-in was unlocked: the user's failed attempts are forgotten.");
  assert.match(visibleText(sectionOf(page, 'sign-in-lock-heading')), /Sign-in is not locked\./);
  assert.equal((await attempt('lena', PASSWORD)).status, 303);
});

test('the lock ends with time and doubles with each further failure', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await attempt('lena', `Wrong-${i}`)).status, 401);
  assert.equal((await attempt('lena', PASSWORD)).status, 429);
  await server.advanceClock(15 * 60 + 1);
  assert.equal((await attempt('lena', 'Wrong-again')).status, 401);
  const relocked = await attempt('lena', PASSWORD);
  assert.equal(relocked.status, 429);
  assert.equal(visibleText(relocked.text).match(LOCKED)?.[1], '30');
  await server.advanceClock(30 * 60 + 1);
  // A sign-in that goes through forgets the count: the next mistake is the first again.
  assert.equal((await attempt('lena', PASSWORD)).status, 303);
  assert.equal((await attempt('lena', 'Wrong-later')).status, 401);
  assert.equal((await attempt('lena', PASSWORD)).status, 303);
});
