// The reset and clock endpoints: off by default; when on, only a call signed with the root user's
// credentials moves the clock or wipes the account, and nothing a web page can send gets through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
} from '@aws-sdk/client-iam';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { signedFetch } from '../sign.ts';

let server: Server;
let admin: Credentials;

before(async () => {
  server = await startServer({ env: { PORTCULLIS_ALLOW_RESET: '1' } });
  await server.iam().send(new CreateUserCommand({ UserName: 'admin' }));
  await server.iam().send(
    new AttachUserPolicyCommand({
      UserName: 'admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  const key = (await server.iam().send(new CreateAccessKeyCommand({ UserName: 'admin' }))).AccessKey!;
  admin = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
});

after(() => server?.stop());

/** The account was not reset: the user made before is still there. */
async function stillThere(): Promise<void> {
  const user = await server.iam().send(new GetUserCommand({ UserName: 'admin' }));
  assert.equal(user.User?.UserName, 'admin');
}

/** How far ahead the server's clock runs, in seconds, as the clock endpoint says. */
async function clockOffset(): Promise<number> {
  const response = await server.testEndpoint('/_portcullis/clock', { advanceSeconds: 0 });
  assert.equal(response.status, 200);
  return ((await response.json()) as { offsetSeconds: number }).offsetSeconds;
}

for (const path of ['/_portcullis/reset', '/_portcullis/clock', '/_portcullis/sweep']) {
  const body = path.endsWith('clock') ? { advanceSeconds: 86400 } : {};

  test(`${path} refuses an unsigned call`, async () => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { code: string }).code, 'MissingAuthenticationToken');
    await stillThere();
  });

  test(`${path} refuses a call signed with a wrong secret`, async () => {
    const response = await server.testEndpoint(path, body, { ...ROOT, secretAccessKey: 'x'.repeat(40) });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { code: string }).code, 'SignatureDoesNotMatch');
    await stillThere();
  });

  test(`${path} refuses an IAM user's call, even an administrator's`, async () => {
    const response = await server.testEndpoint(path, body, admin);
    assert.equal(response.status, 403);
    const answer = (await response.json()) as { code: string; message: string };
    assert.equal(answer.code, 'AccessDenied');
    assert.match(answer.message, /root user/);
    await stillThere();
  });

  test(`${path} refuses cross-site requests, even signed by the root user`, async () => {
    // What a browser form on another site sends: a form body, Origin, Sec-Fetch-Site.
    const form = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: 'advanceSeconds=86400',
    });
    assert.equal(form.status, 403);
    const pageHeaders: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: server.url },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of pageHeaders) {
      const response = await signedFetch(`${server.url}${path}`, ROOT, JSON.stringify(body), {
        service: 'portcullis',
        contentType: 'application/json',
        headers,
        signingDate: new Date(server.now()),
      });
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(((await response.json()) as { code: string }).code, 'AccessDenied');
    }
    const asForm = await signedFetch(`${server.url}${path}`, ROOT, 'advanceSeconds=86400', {
      service: 'portcullis',
      contentType: 'application/x-www-form-urlencoded',
      signingDate: new Date(server.now()),
    });
    assert.equal(asForm.status, 403);
    await stillThere();
  });
}

test('the clock moved by none of the refused calls, and moves for the root user', async () => {
  assert.equal(await clockOffset(), 0);
  await server.advanceClock(3600);
  assert.equal(await clockOffset(), 3600);
  // Signed an hour ahead, as the SDK clients now are, calls still authenticate.
  await stillThere();
});

test("the root user's session credentials are the root user's too", async () => {
  const session = (await server.sts().send(new GetSessionTokenCommand({}))).Credentials!;
  const response = await server.testEndpoint(
    '/_portcullis/clock',
    { advanceSeconds: 0 },
    {
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    },
  );
  assert.equal(response.status, 200);
});

test("a reset signed with the root user's credentials removes the account's state", async () => {
  const response = await server.testEndpoint('/_portcullis/reset');
  assert.equal(response.status, 200);
  const error = await awsError(server.iam().send(new GetUserCommand({ UserName: 'admin' })));
  assert.equal(error.code, 'NoSuchEntity');
});

test('every wire answers with the Date of the moved clock, so SDKs keep the offset they sign with', async () => {
  const dateOf = async (path: string, init: RequestInit) =>
    Date.parse((await fetch(`${server.url}${path}`, { method: 'POST', ...init })).headers.get('date')!);
  const query = await dateOf('/', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=GetUser&Version=2010-05-08',
  });
  const json = await dateOf('/', {
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
    },
    body: '{}',
  });
  const restJson = await dateOf('/policy/validation', {
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  // An hour ahead of the real clock (the test above moved it), to the second.
  for (const date of [query, json, restJson])
    assert.ok(Math.abs(date - server.now()) < 2000, new Date(date).toISOString());
});

test('with neither setting, the endpoints are absent', async () => {
  const off = await startServer({ env: { PORTCULLIS_ALLOW_TEST_CLOCK: '0' } });
  try {
    for (const path of ['/_portcullis/reset', '/_portcullis/clock', '/_portcullis/sweep'])
      assert.equal((await off.testEndpoint(path, { advanceSeconds: 1 })).status, 404, path);
  } finally {
    await off.stop();
  }
});
