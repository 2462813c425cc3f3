// The sign-in lockout across two PostgreSQL nodes: the account's option set through one node, wrong
// passwords counted on either, the lock kept in the database, so the other node refuses the right
// password too; an unlock through one node lets the user in through the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { freshDatabase } from '../../support/postgres.ts';
import { ConsoleClient, visibleText } from '../console/client.ts';
import { noticeText, rootClient, submit } from '../console-admin/admin-client.ts';
import { masterKeyEnv } from './load.ts';

const PASSWORD = 'Two-Nodes-Lockout-1!';
const SETTINGS = '/console/admin/account-settings';

async function attempt(node: Server, password: string): Promise<number> {
  const client = new ConsoleClient(node.url);
  await client.get('/console');
  const page = await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'nina',
    password,
  });
  if (page.status === 429)
    assert.match(visibleText(page.text), /Sign-in is locked after too many failed attempts/);
  return page.status;
}

test('two nodes: failures on both add up to one lock, and an unlock on one is seen by the other', async () => {
  const database = await freshDatabase();
  const env = masterKeyEnv();
  let first: Server | undefined;
  let second: Server | undefined;
  try {
    first = await startServer({ database, env });
    second = await startServer({ database, env });
    await first.iam().send(new CreateUserCommand({ UserName: 'nina' }));
    await first.iam().send(new CreateLoginProfileCommand({ UserName: 'nina', Password: PASSWORD }));
    const admin = await rootClient(first);
    const saved = await submit(admin, SETTINGS, `${SETTINGS}/mfa-options`, { LockoutFailures: '3' });
    assert.equal(noticeText(saved.page), 'The MFA options were saved.');

    assert.equal(await attempt(first, 'Wrong-1'), 401);
    assert.equal(await attempt(second, 'Wrong-2'), 401);
    assert.equal(await attempt(first, 'Wrong-3'), 401);
    assert.equal(await attempt(second, PASSWORD), 429);
    assert.equal(await attempt(first, PASSWORD), 429);

    const user = '/console/admin/users/nina?tab=security-credentials';
    const unlocked = await submit(admin, user, '/console/admin/users/nina/sign-in/unlock', {});
    assert.match(noticeText(unlocked.page), /Sign-in was unlocked/);
    assert.equal(await attempt(second, PASSWORD), 303);
  } finally {
    await first?.stop();
    await second?.stop();
    await database.drop();
  }
});
