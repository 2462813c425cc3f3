// Console sessions over plain HTTP: security headers, cookie attributes, CSRF, rotation at
// sign-in, the idle and absolute lifetimes, and sign-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, setCookies, signIn, signInRoot, visibleText } from './client.ts';

const PASSWORD = 'Session-Tests-Pass-1!';
const SESSION = 'portcullis-console';
let server: Server;

before(async () => {
  // Loopback may name the client (X-Forwarded-For): the timing test below gives each try an
  // address of its own, so its two dozen failures stay under the per-address sign-in throttle.
  server = await startServer({ env: { PORTCULLIS_TRUSTED_PROXIES: 'loopback' } });
  const iam = server.iam();
  for (const name of ['sam', 'csrf-victim', 'timed-1', 'timed-2', 'timed-3']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
  }
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'csrf-victim',
      PolicyName: 'OwnKeys',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['iam:*AccessKey*'], Resource: 'arn:aws:iam::*:user/${aws:username}' },
        ],
      }),
    }),
  );
});
after(async () => {
  await server?.stop();
});

test('every console page carries a strict Content-Security-Policy and no-store caching', async () => {
  const client = new ConsoleClient(server.url);
  const signInPage = await client.get('/console');
  await signInRoot(client, ROOT.email, ROOT.password);
  const dashboard = await client.get('/console');
  for (const page of [signInPage, dashboard]) {
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(page.text, /\son[a-z]+=/i, 'no inline event handlers');
  }
});

test('the session cookie is HttpOnly, SameSite=Lax, Path=/, and bounded by the session lifetime', async () => {
  const client = new ConsoleClient(server.url);
  const form = await client.get('/console');
  const signInCookie = setCookies(form).get('portcullis-signin');
  assert.ok(signInCookie);
  assert.match(signInCookie, /; HttpOnly/);
  assert.match(signInCookie, /; SameSite=Strict/);
  const posted = await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'sam',
    password: PASSWORD,
  });
  assert.equal(posted.status, 303);
  const cookie = setCookies(posted).get(SESSION);
  assert.ok(cookie);
  assert.match(cookie, /^portcullis-console=[A-Za-z0-9_-]{43}; /);
  assert.match(cookie, /; Path=\//);
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Lax/);
  assert.match(cookie, /; Max-Age=43200/);
  assert.doesNotMatch(cookie, /Secure/, 'not Secure over plain HTTP');
});

test('a session token planted before sign-in is replaced: sign-in always issues a new one', async () => {
  const client = new ConsoleClient(server.url);
  client.cookies.set(SESSION, 'A'.repeat(43));
  const page = await signIn(client, ROOT.accountId, 'sam', PASSWORD);
  assert.match(visibleText(page.text), /IAM dashboard/);
  assert.notEqual(client.cookies.get(SESSION), 'A'.repeat(43));
});

test('a form without the session CSRF token, with a wrong one, or from another origin changes nothing', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'csrf-victim', PASSWORD);
  await client.get('/console/security-credentials');
  const missing = await client.post('/console/security-credentials/access-keys/create', { csrf: '' });
  assert.equal(missing.status, 403);
  assert.match(visibleText(missing.text), /Nothing was changed/);
  const wrong = await client.post('/console/security-credentials/access-keys/create', {
    csrf: 'x'.repeat(43),
  });
  assert.equal(wrong.status, 403);
  await client.get('/console/security-credentials');
  const crossSite = await client.post(
    '/console/security-credentials/access-keys/create',
    {},
    {
      origin: 'https://evil.example',
    },
  );
  assert.equal(crossSite.status, 403);
  const keys = await server.iam().send(new ListAccessKeysCommand({ UserName: 'csrf-victim' }));
  assert.equal(keys.AccessKeyMetadata?.length, 0);

  // The same form with the right token works.
  await client.get('/console/security-credentials');
  const ok = await client.post('/console/security-credentials/access-keys/create', {});
  assert.equal(ok.status, 303);
  const after = await server.iam().send(new ListAccessKeysCommand({ UserName: 'csrf-victim' }));
  assert.equal(after.AccessKeyMetadata?.length, 1);
});

test('the sign-in form itself needs its CSRF token (no login CSRF)', async () => {
  const client = new ConsoleClient(server.url);
  const page = await client.post('/console/signin', {
    csrf: '',
    kind: 'iam',
    account: ROOT.accountId,
    username: 'sam',
    password: PASSWORD,
  });
  assert.equal(page.status, 403);
  assert.equal(client.cookies.get(SESSION), undefined);
});

test('sign-out ends the session on the server: the old cookie no longer opens a page', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'sam', PASSWORD);
  const token = client.cookies.get(SESSION)!;
  const out = await client.post('/console/signout', {});
  assert.equal(out.status, 303);
  assert.equal(out.location, '/console?notice=signed-out');
  assert.equal(client.cookies.get(SESSION), undefined);
  const replay = new ConsoleClient(server.url);
  replay.cookies.set(SESSION, token);
  const page = await replay.get('/console/security-credentials');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/console');
});

test('a session ends after one hour without a request (idle lifetime)', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'sam', PASSWORD);
  await server.advanceClock(59 * 60);
  assert.equal((await client.get('/console/security-credentials')).status, 200);
  await server.advanceClock(59 * 60);
  assert.equal((await client.get('/console/security-credentials')).status, 200, 'activity keeps it alive');
  await server.advanceClock(60 * 60 + 1);
  const page = await client.get('/console/security-credentials');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/console');
});

test('a session ends 12 hours after sign-in however active it is (absolute lifetime)', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'sam', PASSWORD);
  for (let elapsed = 0; elapsed < 11.5 * 3600; elapsed += 50 * 60) {
    await server.advanceClock(50 * 60);
    assert.equal((await client.get('/console')).status, 200);
  }
  await server.advanceClock(40 * 60);
  const page = await client.get('/console/admin/users');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/console');
});

test('the WebAuthn JSON endpoints need the session CSRF token in X-CSRF-Token and a same-origin Origin', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ROOT.accountId, 'sam', PASSWORD);
  const json = { 'content-type': 'application/json' };
  const none = await client.post('/console/security-keys/options', {}, json);
  assert.equal(none.status, 403);
  await client.get('/console');
  const token = client.csrf()!;
  const crossSite = await client.post(
    '/console/security-keys/options',
    {},
    {
      ...json,
      'x-csrf-token': token,
      origin: 'https://evil.example',
    },
  );
  assert.equal(crossSite.status, 403);
  // sam has no iam:EnableMFADevice: with the right token, the engine answers.
  const denied = await client.post('/console/security-keys/options', {}, { ...json, 'x-csrf-token': token });
  assert.equal(denied.status, 403);
  assert.match(
    JSON.parse(denied.text).message,
    /User: arn:aws:iam::123456789012:user\/sam is not authorized to perform: iam:EnableMFADevice on resource: arn:aws:iam::123456789012:user\/sam/,
  );
});

test('a wrong password and an unknown user take about as long (the password check always runs)', async () => {
  let tries = 0;
  const time = async (username: string) => {
    const client = new ConsoleClient(server.url);
    await client.get('/console');
    const started = performance.now();
    const page = await client.post(
      '/console/signin',
      { kind: 'iam', account: ROOT.accountId, username, password: 'Wrong-Password-9!' },
      { 'x-forwarded-for': `198.51.100.${++tries}` },
    );
    assert.equal(page.status, 401);
    return performance.now() - started;
  };
  // The fastest of several interleaved tries is each path's own cost: what a loaded machine adds
  // only ever lengthens a try. Without the dummy hash an unknown user would answer ~10x faster.
  // Twelve of each, over three users of their own: a fifth failure in a row for one name would
  // meet the per-user sign-in throttle, and four tries alone were too few on a loaded machine.
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 12; i++) {
    known.push(await time(`timed-${(i % 3) + 1}`));
    unknown.push(await time(`nobody-${i}`));
  }
  const ratio = Math.min(...known) / Math.min(...unknown);
  assert.ok(
    ratio > 0.5 && ratio < 2,
    `wrong password ${Math.min(...known)} ms vs unknown user ${Math.min(...unknown)} ms (fastest of 12)`,
  );
});
