// Sign-in throttling: per user (whether or not the user exists) after 5 failures, per address
// after 20, with a back-off that starts at one minute; attempts are refused before any password
// is checked, so a right password does not get through a lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, visibleText, type Page } from './client.ts';

const PASSWORD = 'Rate-Limit-Pass-1!';
const THROTTLED = /Too many failed sign-in attempts\. Wait \d+ minutes? and try again\./;
let server: Server;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['victor', 'wendy']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
  }
});
after(async () => {
  await server?.stop();
});

async function attempt(username: string, password: string): Promise<Page> {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  return client.post('/console/signin', { kind: 'iam', account: ROOT.accountId, username, password });
}

test('after 5 wrong passwords for a user, even the right one is refused until the back-off passes', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await attempt('victor', `Wrong-${i}`)).status, 401);
  const locked = await attempt('victor', PASSWORD);
  assert.equal(locked.status, 429);
  assert.match(visibleText(locked.text), THROTTLED);
  // Other users are not affected.
  assert.equal((await attempt('wendy', PASSWORD)).status, 303);
  await server.advanceClock(61);
  assert.equal((await attempt('victor', PASSWORD)).status, 303, 'allowed again after a minute');
});

test('the back-off doubles with each further failure', async () => {
  for (let i = 0; i < 5; i++) await attempt('victor', `Wrong-${i}`);
  assert.equal((await attempt('victor', 'Wrong-locked')).status, 429, 'refused unchecked while locked');
  await server.advanceClock(61);
  assert.equal((await attempt('victor', 'Wrong-6')).status, 401);
  // 5 free failures, then 1 minute; the 6th failure made it 2 minutes.
  await server.advanceClock(61);
  assert.equal((await attempt('victor', PASSWORD)).status, 429);
  await server.advanceClock(60);
  assert.equal((await attempt('victor', PASSWORD)).status, 303);
});

test('an unknown user is throttled exactly like a real one', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await attempt('ghost', `Wrong-${i}`)).status, 401);
  const locked = await attempt('ghost', PASSWORD);
  assert.equal(locked.status, 429);
  assert.match(visibleText(locked.text), THROTTLED);
});

test('after 20 failures from one address, every sign-in from it waits', async () => {
  await server.advanceClock(3600); // earlier failures forgotten
  for (let i = 0; i < 20; i++) assert.equal((await attempt(`spray-${i}`, 'Wrong-1')).status, 401);
  const locked = await attempt('wendy', PASSWORD);
  assert.equal(locked.status, 429);
  assert.match(visibleText(locked.text), THROTTLED);
  await server.advanceClock(61);
  assert.equal((await attempt('wendy', PASSWORD)).status, 303);
});
