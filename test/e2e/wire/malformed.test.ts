// Malformed requests of every kind get AWS-shaped 4xx errors, never a 5xx, a hang or a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { signedFetch } from '../sign.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

async function expectAwsClientError(response: Response): Promise<string> {
  const text = await response.text();
  assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}: ${text}`);
  assert.match(text, /<ErrorResponse[^>]*>[\s\S]*<Code>[A-Za-z.]+<\/Code>[\s\S]*<\/ErrorResponse>/);
  return /<Code>([^<]+)<\/Code>/.exec(text)![1]!;
}

test('an unsigned request is MissingAuthenticationToken', async () => {
  const code = await expectAwsClientError(
    await fetch(server.url, { method: 'POST', body: 'Action=ListUsers&Version=2010-05-08' }),
  );
  assert.equal(code, 'MissingAuthenticationToken');
});

test('an unknown action is InvalidAction', async () => {
  const code = await expectAwsClientError(
    await signedFetch(server.url, ROOT, 'Action=MakeCoffee&Version=2010-05-08'),
  );
  assert.equal(code, 'InvalidAction');
});

test('a parameter of the wrong type is refused as malformed input', async () => {
  const code = await expectAwsClientError(
    await signedFetch(server.url, ROOT, 'Action=ListUsers&Version=2010-05-08&MaxItems=lots'),
  );
  // What AWS answers for an integer member that is not a number.
  assert.equal(code, 'MalformedInput');
});

test('bad percent-encoding, huge list indices and prototype keys are answered, not crashed on', async () => {
  for (const body of [
    'Action=CreateUser&Version=2010-05-08&UserName=%E0%A4%A',
    'Action=CreateUser&Version=2010-05-08&UserName=x&Tags.member.999999999.Key=a',
    'Action=CreateUser&Version=2010-05-08&UserName=y&__proto__=1&constructor.prototype.x=1',
    'Action=CreateUser&Version=2010-05-08&UserName=z&Tags.member.1=flat&Tags.member.1.Key=k',
    '%%%%',
    '',
  ]) {
    const response = await signedFetch(server.url, ROOT, body);
    assert.ok(response.status < 500, `${body} → ${response.status}`);
    await response.text();
  }
});

test('an oversized body is refused with a 4xx XML error', async () => {
  const body = `Action=CreateUser&Version=2010-05-08&UserName=big&Path=${'a'.repeat(2 * 1024 * 1024)}`;
  const response = await fetch(server.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  await expectAwsClientError(response);
});

test('an oversized body sent in chunks (no Content-Length) is refused with 413 and the server keeps serving', async () => {
  const { request } = await import('node:http');
  const target = new URL(server.url);
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, method: 'POST', path: '/' },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.write('Action=CreateUser&Version=2010-05-08&UserName=big&Path=');
    for (let i = 0; i < 32; i++) req.write('a'.repeat(64 * 1024));
    req.end();
  });
  assert.equal(answer.status, 413);
  assert.match(answer.text, /<Code>RequestEntityTooLarge<\/Code>/);
  const user = await server.iam().send(new GetUserCommand({}));
  assert.ok(user.User?.Arn);
});

test('an oversized body on a REST-JSON route (Access Analyzer) is refused with 413 in REST-JSON', async () => {
  const policyDocument = JSON.stringify({
    Version: '2012-10-17',
    Statement: [],
    Padding: 'x'.repeat(2_000_000),
  });
  const response = await signedFetch(
    new URL('/policy/validation', server.url).toString(),
    ROOT,
    JSON.stringify({ policyDocument, policyType: 'IDENTITY_POLICY' }),
    { service: 'access-analyzer', contentType: 'application/json' },
  );
  assert.equal(response.status, 413);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.headers.get('x-amzn-errortype'), 'RequestEntityTooLarge');
  assert.equal(((await response.json()) as { message: string }).message, 'Request body is too large.');
  const user = await server.iam().send(new GetUserCommand({}));
  assert.ok(user.User?.Arn);
});

test('random bodies, signed or not, never get a 5xx and the server keeps serving', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 2000 }),
        fc.string({ maxLength: 500 }),
        fc
          .array(fc.tuple(fc.stringMatching(/^[A-Za-z.0-9_]{1,30}$/), fc.string({ maxLength: 50 })), {
            maxLength: 12,
          })
          .map((pairs) => new URLSearchParams([['Version', '2010-05-08'], ...pairs]).toString()),
        fc
          .constantFrom(
            'CreateUser',
            'GetUser',
            'ListUsers',
            'TagUser',
            'PutUserPolicy',
            'CreatePolicy',
            'UpdateUser',
          )
          .chain((action) =>
            fc
              .array(
                fc.tuple(
                  fc.constantFrom(
                    'UserName',
                    'Path',
                    'Tags.member.1.Key',
                    'Tags.member.1.Value',
                    'PolicyDocument',
                    'PolicyName',
                    'MaxItems',
                    'Marker',
                    'NewUserName',
                  ),
                  fc.string({ unit: 'grapheme', maxLength: 80 }),
                ),
                { maxLength: 6 },
              )
              .map((pairs) =>
                new URLSearchParams([['Action', action], ['Version', '2010-05-08'], ...pairs]).toString(),
              ),
          ),
      ),
      fc.boolean(),
      async (body, signed) => {
        const response = signed
          ? await signedFetch(server.url, ROOT, body)
          : await fetch(server.url, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            });
        const text = await response.text();
        assert.ok(
          response.status < 500,
          `status ${response.status} for ${String(body).slice(0, 200)}: ${text}`,
        );
      },
    ),
    { numRuns: 300 },
  );
  const alive = await server.iam().send(new GetUserCommand({}));
  assert.ok(alive.User?.Arn);
});
