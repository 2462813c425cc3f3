// Output is escaped wherever user-controlled text appears, and a signed-in user sees only what the
// policies let them see: another user's details, keys and secrets stay hidden.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, signIn, signInRoot, visibleText } from './client.ts';

const PASSWORD = 'Leak-Tests-Pass-1!';
const SCRIPT = '<script>alert("x")</script>';
// IAM's tag pattern admits no markup characters; the tag shows up only as a marker of alice's data.
const TAG_VALUE = 'alice-private-note';
let server: Server;
let aliceId = '';
let aliceKey = '';

before(async () => {
  server = await startServer();
  const iam = server.iam();
  const alice = await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  aliceId = alice.User!.UserId!;
  await iam.send(new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'note', Value: TAG_VALUE }] }));
  aliceKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!.AccessKeyId!;
  await iam.send(new CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'own-keys',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: 'arn:aws:iam::*:user/${aws:username}' },
        ],
      }),
    }),
  );
});
after(async () => {
  await server?.stop();
});

test('tags are shown on the user page, as text', async () => {
  const client = new ConsoleClient(server.url);
  await signInRoot(client, ROOT.email, ROOT.password);
  const page = await client.get('/console/admin/users/alice?tab=tags');
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), new RegExp(`note ${TAG_VALUE}`));
});

test("the read-only Users pages' old addresses lead, for good, to the one Users page", async () => {
  const client = new ConsoleClient(server.url);
  await signInRoot(client, ROOT.email, ROOT.password);
  const list = await client.get('/console/users');
  assert.equal(list.status, 301);
  assert.equal(list.location, '/console/admin/users');
  const details = await client.get('/console/users/alice');
  assert.equal(details.status, 301);
  assert.equal(details.location, '/console/admin/users/alice');
  const page = await client.get('/console/admin/users/alice');
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), new RegExp(aliceId));
});

test('text reflected from the URL or a failed sign-in form is escaped', async () => {
  const client = new ConsoleClient(server.url);
  const reflected = await client.get(`/console?account=${encodeURIComponent(`"><script>alert(1)</script>`)}`);
  assert.ok(reflected.text.includes('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'));
  assert.ok(!reflected.text.includes('<script>alert(1)'));
  const failed = await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: SCRIPT,
    password: 'x',
  });
  assert.equal(failed.status, 401);
  assert.ok(!failed.text.includes(SCRIPT));
  assert.ok(failed.text.includes('&lt;script&gt;'));
});

test("a user without permission sees AWS messages, never another user's details", async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'bob', PASSWORD);
  for (const path of ['/console/admin/users', '/console/admin/users/alice', '/console']) {
    const page = await client.get(path);
    assert.equal(page.status, 200);
    const text = visibleText(page.text);
    assert.match(text, /is not authorized to perform/);
    assert.ok(!text.includes(aliceId), `${path} shows alice's user id`);
    assert.ok(!text.includes(aliceKey), `${path} shows alice's access key`);
    assert.ok(!text.includes(TAG_VALUE), `${path} shows alice's tags`);
  }
  const details = visibleText((await client.get('/console/admin/users/alice')).text);
  assert.match(
    details,
    /User: arn:aws:iam::123456789012:user\/bob is not authorized to perform: iam:GetUser on resource: arn:aws:iam::123456789012:user\/alice because no identity-based policy allows the iam:GetUser action/,
  );
});

test("a user cannot change or delete another user's access key through their own page", async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'bob', PASSWORD);
  await client.get('/console/security-credentials');
  const update = await client.post('/console/security-credentials/access-keys/status', {
    id: aliceKey,
    status: 'Inactive',
  });
  assert.equal(update.status, 404);
  assert.match(visibleText(update.text), new RegExp(`The Access Key with id ${aliceKey} cannot be found`));
  await client.get('/console/security-credentials');
  const removed = await client.post('/console/security-credentials/access-keys/delete', { id: aliceKey });
  assert.equal(removed.status, 404);
  const keys = await server.iam().send(new ListAccessKeysCommand({ UserName: 'alice' }));
  assert.deepEqual(
    keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]),
    [[aliceKey, 'Active']],
  );
});

test("a new key's secret downloads once, only in the session that created it", async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'bob', PASSWORD);
  await client.get('/console/security-credentials');
  const created = await client.follow(
    await client.post('/console/security-credentials/access-keys/create', {}),
  );
  assert.equal(created.status, 200);
  const secret = /id="new-secret-access-key">([^<]+)</.exec(created.text)![1]!;
  const other = new ConsoleClient(server.url);
  await signIn(other, ROOT.accountId, 'bob', PASSWORD);
  const elsewhere = await other.get('/console/security-credentials/access-keys/download');
  assert.equal(elsewhere.status, 410);
  assert.ok(!elsewhere.text.includes(secret));
  const csv = await client.get('/console/security-credentials/access-keys/download');
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-disposition'), 'attachment; filename="bob_accessKeys.csv"');
  assert.match(
    csv.text,
    new RegExp(`^Access key ID,Secret access key\\nAKIA[A-Z0-9]{16},${secret.replace(/[+/]/g, '\\$&')}\\n$`),
  );
  assert.equal((await client.get('/console/security-credentials/access-keys/download')).status, 410);
  const page = await client.get('/console/security-credentials');
  assert.ok(!page.text.includes(secret), 'the secret is not shown again');
});
