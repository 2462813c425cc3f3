// Behind a TLS-terminating reverse proxy: a small node:https proxy in the test forwards to the
// server over HTTP from 127.0.0.2 (the only trusted hop), adding X-Forwarded-For / -Proto as
// nginx does. Clients reach the proxy from 127.0.0.3. The console signs in through it with Secure
// cookies and an https Origin, and aws:SourceIp / aws:SecureTransport see the client, on the
// console and the API; the same headers sent by an untrusted hop change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent, createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
  ListGroupsCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';
import { throwAwayCertificate, type Certificate } from './certificate.ts';
import { Browser } from './browser.ts';

const CLIENT_ADDRESS = '127.0.0.3';
const PROXY_ADDRESS = '127.0.0.2';
const PASSWORD = 'Proxy-Tests-Password-1!';
const PAT = { name: 'pat', password: PASSWORD };
let certificate: Certificate;
let server: Server;
let proxy: HttpsServer;
let proxyUrl: string;
let accessKey: { accessKeyId: string; secretAccessKey: string };

/** The reverse proxy: TLS in, HTTP out from PROXY_ADDRESS, the client appended to X-Forwarded-For. */
function startProxy(): Promise<HttpsServer> {
  const upstream = new URL(server.url);
  const proxyServer = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    const forwardedFor = req.headers['x-forwarded-for'];
    const headers: IncomingHttpHeaders = {
      ...req.headers,
      'x-forwarded-for': `${forwardedFor ? `${String(forwardedFor)}, ` : ''}${req.socket.remoteAddress}`,
      'x-forwarded-proto': 'https',
    };
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        localAddress: PROXY_ADDRESS,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  return new Promise((resolve) => proxyServer.listen(0, '127.0.0.1', () => resolve(proxyServer)));
}

before(async () => {
  certificate = throwAwayCertificate();
  server = await startServer({ env: { PORTCULLIS_TRUSTED_PROXIES: PROXY_ADDRESS } });
  proxy = await startProxy();
  proxyUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'pat' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'pat', Password: PASSWORD }));
  // pat may list users only from the client's address, and list groups only over TLS.
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'pat',
      PolicyName: 'from-the-office',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:ListUsers',
            Resource: '*',
            Condition: { IpAddress: { 'aws:SourceIp': `${CLIENT_ADDRESS}/32` } },
          },
          {
            Effect: 'Allow',
            Action: 'iam:ListGroups',
            Resource: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'true' } },
          },
        ],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'pat' }))).AccessKey!;
  accessKey = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
});

after(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  proxy.closeAllConnections();
  await server.stop();
});

test('a console sign-in through the proxy: https Origin accepted, cookies Secure', async () => {
  const browser = new Browser(proxyUrl, CLIENT_ADDRESS, certificate.cert);
  const [page, posted] = await browser.signIn(PAT, proxyUrl, { 'x-forwarded-for': '198.51.100.7' });
  const signInCookie = (page.headers['set-cookie'] ?? []).find((c) =>
    c.startsWith('__Host-portcullis-signin='),
  );
  assert.ok(signInCookie, `no __Host- sign-in cookie in ${page.headers['set-cookie']?.join(' | ')}`);
  assert.match(signInCookie, /; Secure/);
  assert.equal(posted.status, 303, posted.text);
  const session = (posted.headers['set-cookie'] ?? []).find((c) =>
    c.startsWith('__Host-portcullis-console='),
  );
  assert.ok(session, `no session cookie in ${posted.headers['set-cookie']?.join(' | ')}`);
  assert.match(session, /; Secure/);
  assert.match(session, /; HttpOnly/);

  // aws:SourceIp is the client's address (not the proxy's, not the forged one): the policy allows
  // the listing.
  const users = await browser.send('GET', '/console/admin/users');
  assert.equal(users.status, 200);
  assert.match(users.text, /href="\/console\/admin\/users\/pat"/);
  assert.doesNotMatch(users.text, /not authorized/);
});

test('an Origin of another scheme is refused through the proxy', async () => {
  const browser = new Browser(proxyUrl, CLIENT_ADDRESS, certificate.cert);
  const [, posted] = await browser.signIn(PAT, proxyUrl.replace('https:', 'http:'));
  assert.equal(posted.status, 403);
  assert.equal([...browser.cookies.keys()].includes('__Host-portcullis-console'), false);
});

test("an untrusted hop's X-Forwarded-For and -Proto are ignored", async () => {
  // Straight to the server from 127.0.0.1, with headers claiming the client's address and TLS.
  const browser = new Browser(server.url, '127.0.0.1');
  const claims = { 'x-forwarded-for': CLIENT_ADDRESS, 'x-forwarded-proto': 'https' };
  const [page, posted] = await browser.signIn(PAT, server.url, claims);
  // Plain HTTP: no Secure cookie, no __Host- prefix.
  assert.ok((page.headers['set-cookie'] ?? []).some((c) => c.startsWith('portcullis-signin=')));
  assert.ok((page.headers['set-cookie'] ?? []).every((c) => !/; Secure/.test(c)));
  assert.equal(posted.status, 303, posted.text);
  // The claims are not believed: aws:SourceIp is 127.0.0.1, so the policy does not allow the listing.
  const users = await browser.send('GET', '/console/admin/users', undefined, claims);
  assert.match(users.text, /is not authorized to perform: iam:ListUsers/);
});

test('the API: aws:SourceIp and aws:SecureTransport follow the client through the proxy, not a forged header', async () => {
  const viaProxy = new IAMClient({
    endpoint: proxyUrl,
    region: 'us-east-1',
    credentials: accessKey,
    maxAttempts: 1,
    requestHandler: { httpsAgent: new Agent({ ca: certificate.cert, localAddress: CLIENT_ADDRESS }) },
  });
  const listed = await viaProxy.send(new ListUsersCommand({}));
  assert.ok(listed.Users?.some((u) => u.UserName === 'pat'));
  assert.ok((await viaProxy.send(new ListGroupsCommand({}))).Groups);
  viaProxy.destroy();

  // Direct, over HTTP from 127.0.0.1, with a forged X-Forwarded-For naming the allowed address.
  const direct = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: accessKey,
    maxAttempts: 1,
    requestHandler: { httpAgent: new HttpAgent({ localAddress: '127.0.0.1' }) },
  });
  direct.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      request.headers['x-forwarded-for'] = CLIENT_ADDRESS;
      request.headers['x-forwarded-proto'] = 'https';
      return next(args);
    },
    { step: 'build' },
  );
  assert.equal((await awsError(direct.send(new ListUsersCommand({})))).code, 'AccessDenied');
  assert.equal((await awsError(direct.send(new ListGroupsCommand({})))).code, 'AccessDenied');
  direct.destroy();
});
