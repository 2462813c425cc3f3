// PORTCULLIS_PUBLIC_URL names the origin browsers use (here https, served by a proxy in front):
// the console's cookies are Secure, its Origin check expects that origin and no other, and the
// absolute URLs it shows start with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { Browser } from './browser.ts';

const PUBLIC_URL = 'https://iam.example.test';
const USER = { name: 'quinn', password: 'Public-Url-Password-1!' };
let server: Server;

before(async () => {
  server = await startServer({ env: { PORTCULLIS_PUBLIC_URL: `${PUBLIC_URL}/` } });
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: USER.name }));
  await iam.send(new CreateLoginProfileCommand({ UserName: USER.name, Password: USER.password }));
});

after(() => server.stop());

test('cookies are Secure when the public scheme is https', async () => {
  const browser = new Browser(server.url);
  const page = await browser.send('GET', '/console');
  const cookie = (page.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-portcullis-signin='));
  assert.ok(cookie, String(page.headers['set-cookie']));
  assert.match(cookie, /; Secure/);
});

test("an Origin other than the public URL's is refused, even the server's own address", async () => {
  const browser = new Browser(server.url);
  const [, posted] = await browser.signIn(USER, server.url);
  assert.equal(posted.status, 403);
});

test('the public origin is accepted and the dashboard shows URLs under it', async () => {
  const browser = new Browser(server.url);
  const [, posted] = await browser.signIn(USER, PUBLIC_URL);
  assert.equal(posted.status, 303, posted.text);
  assert.ok(
    (posted.headers['set-cookie'] ?? []).some((c) => /^__Host-portcullis-console=.*; Secure/.test(c)),
  );
  const dashboard = await browser.send('GET', '/console');
  assert.match(
    dashboard.text,
    new RegExp(`id="sign-in-url">${PUBLIC_URL}/console\\?account=${ROOT.accountId}<`),
  );
});

test('a public URL that is not an origin stops the server at start', async () => {
  await assert.rejects(
    startServer({ storage: 'sqlite', env: { PORTCULLIS_PUBLIC_URL: 'https://iam.example.test/iam' } }),
    /PORTCULLIS_PUBLIC_URL must name an origin only/,
  );
  await assert.rejects(
    startServer({ storage: 'sqlite', env: { PORTCULLIS_TRUSTED_PROXIES: '10.0.0.0/40' } }),
    /PORTCULLIS_TRUSTED_PROXIES: not an IP address or CIDR: 10\.0\.0\.0\/40/,
  );
});
