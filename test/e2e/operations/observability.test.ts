// Metrics, request logs and health, as an operator meets them: /metrics scraped in Prometheus text
// after real SDK calls and console sign-ins, the server's stdout read as JSON lines, the health
// endpoints probed — with SQLite, and with a PostgreSQL database that stops taking connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { signedFetch } from '../sign.ts';
import { ConsoleClient } from '../console/client.ts';
import { consecutiveCodes, seedOf, wrongCode } from '../mfa/codes.ts';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments left out). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[name!] = value!;
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

async function scrape(server: Server): Promise<Sample[]> {
  const response = await fetch(`${server.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

/** The value of the one sample of `name` whose labels include `labels` (0 when there is none yet). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

/** The JSON lines of the server's output. */
function logLines(server: Server): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The logs are written at the end of an event-loop turn: waits until a line satisfies `find`. */
async function logLine(
  server: Server,
  find: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = logLines(server).find(find);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no such log line in:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let server: Server;
const PASSWORD = 'Mallory-Console-Pass-1!';
const WRONG_PASSWORD = 'Not-Mallorys-Password-9?';
let mallory: Credentials & { arn: string };
let session: Credentials;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  const user = await iam.send(new CreateUserCommand({ UserName: 'mallory' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'mallory', Password: PASSWORD }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'mallory' }))).AccessKey!;
  mallory = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey!, arn: user.User!.Arn! };
  // Temporary credentials of the root user's: their session token travels with a call below.
  const credentials = (await server.sts().send(new GetSessionTokenCommand({}))).Credentials!;
  session = {
    accessKeyId: credentials.AccessKeyId!,
    secretAccessKey: credentials.SecretAccessKey!,
    sessionToken: credentials.SessionToken!,
  };
});
after(async () => {
  await server?.stop();
});

test('/metrics counts calls by service, action and outcome, times them, and counts AccessDenied', async () => {
  const before = await scrape(server);
  const allowed = await server.iam().send(new GetUserCommand({}));
  assert.equal(allowed.User?.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
  await server.sts(session).send(new GetCallerIdentityCommand({}));
  const denied = await awsError(server.iam(mallory).send(new ListUsersCommand({})));
  assert.equal(denied.code, 'AccessDenied');
  await server.cloudTrail().send(new LookupEventsCommand({ MaxResults: 1 }));
  // An action no model knows is counted as Unknown, never under its own name.
  const made = await signedFetch(server.url, ROOT, 'Action=MadeUpActionXyzzy&Version=2010-05-08', {
    service: 'iam',
  });
  assert.equal(made.status, 400);
  const after = await scrape(server);

  const delta = (name: string, labels: Record<string, string>) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);
  const requests = 'portcullis_requests_total';
  assert.equal(delta(requests, { service: 'iam', action: 'GetUser', outcome: 'ok' }), 1);
  assert.equal(delta(requests, { service: 'sts', action: 'GetCallerIdentity', outcome: 'ok' }), 1);
  assert.equal(delta(requests, { service: 'iam', action: 'ListUsers', outcome: 'AccessDenied' }), 1);
  assert.equal(delta(requests, { service: 'cloudtrail', action: 'LookupEvents', outcome: 'ok' }), 1);
  assert.equal(delta(requests, { service: 'iam', action: 'Unknown', outcome: 'InvalidAction' }), 1);
  assert.ok(!after.some((s) => Object.values(s.labels).some((v) => v.includes('Xyzzy'))));
  assert.equal(delta('portcullis_access_denied_total', { service: 'iam', action: 'ListUsers' }), 1);

  // The latency histogram: one more observation of ListUsers, in cumulative buckets up to +Inf.
  const histogram = 'portcullis_request_duration_seconds';
  const listUsers = { service: 'iam', action: 'ListUsers' };
  assert.equal(delta(`${histogram}_count`, listUsers), 1);
  assert.ok(delta(`${histogram}_sum`, listUsers) > 0);
  const buckets = after.filter(
    (s) => s.name === `${histogram}_bucket` && s.labels.service === 'iam' && s.labels.action === 'ListUsers',
  );
  assert.ok(buckets.length > 5);
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
  assert.equal(buckets.at(-1)!.value, valueOf(after, `${histogram}_count`, listUsers));
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);

  // The store's transactions are timed, reads and writes (CreateUser above wrote).
  const transactions = 'portcullis_store_transaction_duration_seconds_count';
  assert.ok(valueOf(after, transactions, { kind: 'read', outcome: 'ok' }) > 0);
  assert.ok(valueOf(after, transactions, { kind: 'write', outcome: 'ok' }) > 0);
  // And the process's own metrics are there.
  assert.ok(valueOf(after, 'process_cpu_user_seconds_total') > 0);
  assert.ok(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));
});

test('/metrics counts failed and throttled console sign-ins', async () => {
  const before = await scrape(server);
  const attempt = async (username: string, password: string) => {
    const client = new ConsoleClient(server.url);
    await client.get('/console');
    return client.post('/console/signin', { kind: 'iam', account: ROOT.accountId, username, password });
  };
  assert.equal((await attempt('mallory', WRONG_PASSWORD)).status, 401);
  // Five failures for one user are free; the sixth attempt is refused unchecked.
  for (let i = 0; i < 5; i++) assert.equal((await attempt('nobody', `${WRONG_PASSWORD}${i}`)).status, 401);
  assert.equal((await attempt('nobody', WRONG_PASSWORD)).status, 429);
  assert.equal((await attempt('mallory', PASSWORD)).status, 303);
  const after = await scrape(server);
  const delta = (name: string, labels: Record<string, string> = {}) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);

  assert.equal(delta('portcullis_console_sign_in_failures_total'), 6);
  assert.equal(delta('portcullis_console_sign_in_throttled_total'), 1);
  assert.equal(delta('portcullis_console_mfa_failures_total'), 0);
  assert.ok(after.some((s) => s.name === 'portcullis_console_mfa_failures_total'));
  const signIn = { service: 'console', action: '/console/signin' };
  assert.equal(delta('portcullis_requests_total', { ...signIn, outcome: 'ClientError' }), 7);
  assert.equal(delta('portcullis_requests_total', { ...signIn, outcome: 'ok' }), 1);
  assert.equal(delta('portcullis_request_duration_seconds_count', signIn), 8);
});

test('/metrics counts wrong MFA codes at console sign-in, and the MFA seed is never logged', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'trent' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'trent', Password: PASSWORD }));
  const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'trent' })))
    .VirtualMFADevice!;
  const seed = seedOf(device.Base32StringSeed);
  const { code1, code2 } = consecutiveCodes(seed, server.now());
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'trent',
      SerialNumber: device.SerialNumber!,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    }),
  );
  const before = await scrape(server);
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  const posted = await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'trent',
    password: PASSWORD,
  });
  assert.equal(posted.location, '/console/mfa');
  await client.get('/console/mfa');
  assert.equal((await client.post('/console/mfa', { code: wrongCode(seed, server.now()) })).status, 401);
  const after = await scrape(server);
  const delta = (name: string) => valueOf(after, name) - valueOf(before, name);
  assert.equal(delta('portcullis_console_mfa_failures_total'), 1);
  assert.equal(delta('portcullis_console_sign_in_failures_total'), 0);
  assert.equal(server.output().includes(seed), false);
});

test('each request is one JSON log line with its request id, and no secret is ever logged', async () => {
  const denied = await awsError(server.iam(mallory).send(new GetUserCommand({ UserName: 'someone' })));
  assert.equal(denied.code, 'AccessDenied');
  const answered = await server.sts(session).send(new GetCallerIdentityCommand({}));
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'mallory',
    password: WRONG_PASSWORD,
  });

  // The line of the STS call carries the id the SDK got back, and who called.
  const sts = await logLine(server, (l) => l.requestId === answered.$metadata.requestId);
  assert.equal(sts.msg, 'request');
  assert.equal(sts.service, 'sts');
  assert.equal(sts.action, 'GetCallerIdentity');
  assert.equal(sts.status, 200);
  assert.equal(sts.method, 'POST');
  assert.equal(sts.path, '/');
  assert.equal(sts.principal, `arn:aws:iam::${ROOT.accountId}:root`);
  assert.equal(sts.accessKeyId, session.accessKeyId);
  assert.equal(typeof sts.durationMs, 'number');

  const refused = await logLine(server, (l) => l.action === 'GetUser' && l.errorCode === 'AccessDenied');
  assert.equal(refused.status, 403);
  assert.equal(refused.principal, mallory.arn);
  assert.equal(refused.accessKeyId, mallory.accessKeyId);

  const signIn = await logLine(server, (l) => l.path === '/console/signin' && l.status === 401);
  assert.equal(signIn.service, 'console');
  assert.equal(signIn.method, 'POST');
  assert.equal(signIn.route, '/console/signin');
  // Once signed in, a page's line names who is signed in.
  await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'mallory',
    password: PASSWORD,
  });
  assert.equal((await client.get('/console/admin/users')).status, 200);
  const page = await logLine(server, (l) => l.path === '/console/admin/users' && l.principal === mallory.arn);
  assert.equal(page.status, 200);

  const lines = logLines(server);
  const requests = lines.filter((l) => l.msg === 'request');
  assert.ok(requests.length >= 20, `only ${requests.length} request lines`);
  for (const line of requests) assert.match(String(line.requestId), /^[0-9a-f-]{36}$/, JSON.stringify(line));
  // Every request id is a different request's.
  assert.equal(new Set(requests.map((l) => l.requestId)).size, requests.length);

  const output = server.output();
  for (const secret of [
    ROOT.secretAccessKey,
    ROOT.password,
    mallory.secretAccessKey,
    session.secretAccessKey,
    session.sessionToken!,
    PASSWORD,
    WRONG_PASSWORD,
  ])
    assert.equal(output.includes(secret), false, `logged: ${secret.slice(0, 6)}…`);
  assert.doesNotMatch(output, /Signature=|authorization|cookie/i);
});

test('liveness and readiness answer 200 while the store answers', async () => {
  for (const path of ['/_portcullis/health/live', '/_portcullis/health/ready', '/_portcullis/health']) {
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.status, 200, path);
    assert.deepEqual(await response.json(), { status: 'ok' });
  }
});

test('PORTCULLIS_METRICS=off: /metrics is not served; PORTCULLIS_LOG_LEVEL=silent: no request lines', async () => {
  const quiet = await startServer({ env: { PORTCULLIS_METRICS: 'off', PORTCULLIS_LOG_LEVEL: 'silent' } });
  try {
    assert.equal((await fetch(`${quiet.url}/metrics`)).status, 404);
    assert.equal((await fetch(`${quiet.url}/_portcullis/health/live`)).status, 200);
    await quiet.iam().send(new GetUserCommand({}));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(logLines(quiet), []);
    // The banner, how to connect, is printed all the same.
    assert.match(quiet.output(), /Portcullis is listening on http:\/\/\S+/);
    assert.match(quiet.output(), /aws --endpoint-url/);
  } finally {
    await quiet.stop();
  }
});

test('readiness is 503 while the PostgreSQL database refuses connections, liveness stays 200', async () => {
  const node = await startServer({ storage: 'postgres' });
  const name = new URL(node.databaseUrl!).pathname.slice(1);
  const adminUrl = new URL(node.databaseUrl!);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  const allowConnections = async (allow: boolean) => {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${allow}`);
    if (!allow)
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  };
  try {
    assert.equal((await fetch(`${node.url}/_portcullis/health/ready`)).status, 200);
    await allowConnections(false);
    const ready = await fetch(`${node.url}/_portcullis/health/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'unavailable', reason: 'the database does not answer' });
    assert.equal((await fetch(`${node.url}/_portcullis/health`)).status, 503);
    assert.equal((await fetch(`${node.url}/_portcullis/health/live`)).status, 200);
    // Once the database takes connections again, the node is ready again by itself.
    await allowConnections(true);
    assert.equal((await fetch(`${node.url}/_portcullis/health/ready`)).status, 200);
  } finally {
    await allowConnections(true).catch(() => undefined);
    await admin.end();
    await node.stop();
  }
});
