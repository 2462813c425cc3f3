// "My security credentials" over plain HTTP: access keys (at most two, inactive/active, delete),
// the password, and virtual MFA for an IAM user and for the root user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, signIn, signInRoot, visibleText } from './client.ts';

const ACCOUNT = ROOT.accountId;
const PASSWORD = 'Self-Service-Pass-1!';
let server: Server;

const ownCredentials = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'iam:*AccessKey*',
        'iam:GetUser',
        'iam:ChangePassword',
        'iam:ListMFADevices',
        'iam:EnableMFADevice',
        'iam:DeactivateMFADevice',
      ],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
    {
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/${aws:username}',
    },
  ],
});

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['kim', 'lee']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: ownCredentials }),
    );
  }
});
after(async () => {
  await server?.stop();
});

const text = async (client: ConsoleClient, path: string) => visibleText((await client.get(path)).text);

test('access keys: at most two, made inactive and active again, deleted', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'kim', PASSWORD);
  for (let i = 0; i < 2; i++) {
    await client.get('/console/security-credentials');
    const created = await client.post('/console/security-credentials/access-keys/create', {});
    assert.equal(created.status, 303);
    const shown = await client.follow(created);
    assert.match(
      visibleText(shown.text),
      /This is the only time that the secret access key can be viewed or downloaded/,
    );
    assert.match(shown.text, /id="new-secret-access-key">[A-Za-z0-9+/]{40}</);
    // Reloading the page (Post/Redirect/Get) creates nothing and shows the secret no more.
    const reloaded = await client.get(created.location!);
    assert.equal(reloaded.status, 200);
    assert.doesNotMatch(reloaded.text, /new-secret-access-key/);
    assert.match(
      visibleText(reloaded.text),
      /A secret access key is shown only once, right after the key is created/,
    );
    const keys = await server.iam().send(new ListAccessKeysCommand({ UserName: 'kim' }));
    assert.equal(keys.AccessKeyMetadata!.length, i + 1);
  }
  const full = await text(client, '/console/security-credentials');
  assert.match(full, /You have the maximum of two access keys/);
  const limit = await client.post('/console/security-credentials/access-keys/create', {});
  assert.equal(limit.status, 409);
  assert.match(visibleText(limit.text), /Cannot exceed quota for AccessKeysPerUser: 2/);

  const keys = await server.iam().send(new ListAccessKeysCommand({ UserName: 'kim' }));
  const [first, second] = keys.AccessKeyMetadata!.map((k) => k.AccessKeyId!);
  await client.get('/console/security-credentials');
  const inactive = await client.post('/console/security-credentials/access-keys/status', {
    id: first!,
    status: 'Inactive',
  });
  assert.equal(inactive.location, '/console/security-credentials?notice=key-updated');
  let listed = await server.iam().send(new ListAccessKeysCommand({ UserName: 'kim' }));
  assert.equal(listed.AccessKeyMetadata!.find((k) => k.AccessKeyId === first)!.Status, 'Inactive');
  await client.get('/console/security-credentials');
  await client.post('/console/security-credentials/access-keys/status', { id: first!, status: 'Active' });
  await client.get('/console/security-credentials');
  const deleted = await client.post('/console/security-credentials/access-keys/delete', { id: second! });
  assert.equal(deleted.location, '/console/security-credentials?notice=key-deleted');
  listed = await server.iam().send(new ListAccessKeysCommand({ UserName: 'kim' }));
  assert.deepEqual(
    listed.AccessKeyMetadata!.map((k) => [k.AccessKeyId, k.Status]),
    [[first, 'Active']],
  );
});

test('the user changes the password from the credentials page; other sessions end', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'lee', PASSWORD);
  const elsewhere = new ConsoleClient(server.url);
  await signIn(elsewhere, ACCOUNT, 'lee', PASSWORD);
  await client.get('/console/security-credentials');
  const wrong = await client.post('/console/security-credentials/password', {
    'old-password': 'not-it',
    'new-password': 'Lee-New-Pass-1!',
    'confirm-password': 'Lee-New-Pass-1!',
  });
  assert.equal(wrong.status, 403);
  assert.match(visibleText(wrong.text), /The old password is incorrect\./);
  const done = await client.post('/console/security-credentials/password', {
    'old-password': PASSWORD,
    'new-password': 'Lee-New-Pass-1!',
    'confirm-password': 'Lee-New-Pass-1!',
  });
  assert.equal(done.location, '/console/security-credentials?notice=password-changed');
  assert.equal((await client.get('/console/security-credentials')).status, 200, 'this session goes on');
  assert.equal(
    (await elsewhere.get('/console/security-credentials')).location,
    '/console',
    'the other one ended',
  );
  const again = await signIn(new ConsoleClient(server.url), ACCOUNT, 'lee', 'Lee-New-Pass-1!');
  assert.match(visibleText(again.text), /IAM dashboard/);
});

test('a user assigns a virtual MFA device (wrong codes are refused) and removes it', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'kim', PASSWORD);
  await client.get('/console/security-credentials');
  const created = await client.post('/console/security-credentials/mfa/create', { 'device-name': 'kim' });
  assert.equal(created.location, '/console/security-credentials/mfa/assign');
  const assign = await client.get('/console/security-credentials/mfa/assign');
  assert.match(assign.text, /<img\s+id="qr-code"\s+src="data:image\/png;base64,iVBORw0KGgo/);
  const seed = /id="secret-key">([A-Z2-7]+)</.exec(assign.text)![1]!;
  const wrong = await client.post('/console/security-credentials/mfa/enable', {
    code1: '000000',
    code2: '000000',
  });
  assert.equal(wrong.status, 400);
  assert.match(visibleText(wrong.text), /Authentication code for device is not valid\./);
  assert.match(wrong.text, /id="secret-key"/, 'the page is shown again to retry');
  const now = server.now();
  const enabled = await client.post('/console/security-credentials/mfa/enable', {
    code1: totpCode(seed, now - 30_000),
    code2: totpCode(seed, now),
  });
  assert.equal(enabled.location, '/console/security-credentials?notice=mfa-assigned');
  const page = await text(client, enabled.location!);
  assert.match(
    page,
    /You have successfully assigned virtual MFA This virtual MFA will be required during sign-in\./,
  );
  const serial = `arn:aws:iam::${ACCOUNT}:mfa/kim`;
  assert.ok(page.includes(serial));

  await client.get('/console/security-credentials');
  const removed = await client.post('/console/security-credentials/mfa/remove', { serial });
  assert.equal(removed.location, '/console/security-credentials?notice=mfa-removed');
  const devices = await server.iam().send(new ListMFADevicesCommand({ UserName: 'kim' }));
  assert.equal(devices.MFADevices?.length, 0);
  const virtual = await server.iam().send(new ListVirtualMFADevicesCommand({}));
  assert.equal(virtual.VirtualMFADevices?.length, 0, 'the device is deleted too');
});

test('the root user assigns MFA in the console; root sign-in then asks for the code', async () => {
  const client = new ConsoleClient(server.url);
  await signInRoot(client, ROOT.email, ROOT.password);
  await client.get('/console/security-credentials');
  await client.post('/console/security-credentials/mfa/create', { 'device-name': 'root-account-mfa-device' });
  const assign = await client.get('/console/security-credentials/mfa/assign');
  const seed = /id="secret-key">([A-Z2-7]+)</.exec(assign.text)![1]!;
  const now = server.now();
  const enabled = await client.post('/console/security-credentials/mfa/enable', {
    code1: totpCode(seed, now - 30_000),
    code2: totpCode(seed, now),
  });
  assert.equal(enabled.location, '/console/security-credentials?notice=mfa-assigned');
  assert.match(await text(client, '/console'), /Root user has MFA/);

  const again = new ConsoleClient(server.url);
  await again.get('/console/root-signin');
  const posted = await again.post('/console/signin', {
    kind: 'root',
    email: ROOT.email,
    password: ROOT.password,
  });
  assert.equal(posted.location, '/console/mfa');
  await again.get('/console/mfa');
  await server.advanceClock(30);
  const done = await again.post('/console/mfa', { code: totpCode(seed, server.now()) });
  assert.equal(done.location, '/console');
  assert.match(await text(again, '/console'), /Signed in with MFA Yes/);
});

test("a user's page leads to the other credentials, on the user's own Security credentials tab", async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'noor' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'noor', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'noor', PolicyName: 'own', PolicyDocument: ownCredentials }),
  );
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'noor', PASSWORD);
  const page = await client.get('/console/security-credentials');
  assert.match(visibleText(page.text), /Other credentials SSH public keys and HTTPS Git credentials/);
  const link = /href="([^"]+)"[^>]*>your user's Security credentials tab/.exec(page.text)?.[1];
  assert.equal(link, '/console/admin/users/noor?tab=security-credentials');
  const tab = await client.get(link!.replace(/&amp;/g, '&'));
  assert.equal(tab.status, 200);
  assert.match(visibleText(tab.text), /SSH public keys/);

  const root = new ConsoleClient(server.url);
  await signInRoot(root, ROOT.email, ROOT.password);
  assert.doesNotMatch(await text(root, '/console/security-credentials'), /Other credentials/);
});
