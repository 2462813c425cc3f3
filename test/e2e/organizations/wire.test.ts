// The JSON protocol's faults on Organizations' target: what an SDK never sends (an unknown operation,
// a body that is not JSON, a form's content type, a wrong signature, a member of the wrong type) is
// answered with AWS's JSON error — {"__type": …, "message": …} and a 4xx —, never a 5xx or a hang.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, startServer, type Server } from '../harness.ts';
import { signedFetch } from '../sign.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const TARGET = 'AWSOrganizationsV20161128';

async function call(
  operation: string,
  body: string,
  options: { contentType?: string; secret?: string; service?: string } = {},
): Promise<{ status: number; error: Record<string, string> }> {
  const response = await signedFetch(
    server.url,
    { accessKeyId: ROOT.accessKeyId, secretAccessKey: options.secret ?? ROOT.secretAccessKey },
    body,
    {
      service: options.service ?? 'organizations',
      contentType: options.contentType ?? 'application/x-amz-json-1.1',
      headers: { 'x-amz-target': `${TARGET}.${operation}` },
    },
  );
  assert.match(response.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.1/);
  return { status: response.status, error: (await response.json()) as Record<string, string> };
}

function assertJsonError(answer: { status: number; error: Record<string, string> }, type: string): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.error));
  assert.equal(answer.error.__type, type);
  assert.equal(typeof answer.error.message, 'string');
  assert.ok(answer.error.message!.length > 0);
}

test('an operation Organizations does not have is UnknownOperationException', async () => {
  assertJsonError(await call('MakeCoffee', '{}'), 'UnknownOperationException');
  assertJsonError(await call('constructor', '{}'), 'UnknownOperationException');
});

test('a body that is not JSON is SerializationException', async () => {
  assertJsonError(await call('DescribeOrganization', '{"unclosed": '), 'SerializationException');
});

test('a form instead of JSON is refused by its content type', async () => {
  assertJsonError(
    await call('DescribeOrganization', 'Action=DescribeOrganization', {
      contentType: 'application/x-www-form-urlencoded',
    }),
    'SerializationException',
  );
});

test('a wrong signature or another service’s signing name is refused in JSON', async () => {
  assertJsonError(
    await call('DescribeOrganization', '{}', { secret: 'wrong/secret/wrong/secret/wrong/secret/00' }),
    'InvalidSignatureException',
  );
  assertJsonError(await call('DescribeOrganization', '{}', { service: 'iam' }), 'UnknownOperationException');
});

test('members the model refuses are InvalidInputException with Organizations’ Reason', async () => {
  const wrongType = await call('ListAccounts', '{"MaxResults": "lots"}');
  assertJsonError(wrongType, 'InvalidInputException');
  const tooMany = await call('ListAccounts', '{"MaxResults": 21}');
  assertJsonError(tooMany, 'InvalidInputException');
  assert.equal(tooMany.error.Reason, 'MAX_VALUE_EXCEEDED');
  const missing = await call('CreateAccount', '{"AccountName": "B"}');
  assertJsonError(missing, 'InvalidInputException');
  assert.equal(missing.error.Reason, 'INPUT_REQUIRED');
  const badEnum = await call('CreateOrganization', '{"FeatureSet": "SOME"}');
  assertJsonError(badEnum, 'InvalidInputException');
  assert.equal(badEnum.error.Reason, 'INVALID_ENUM');
  // Nothing was created by any of them.
  assertJsonError(await call('DescribeOrganization', '{}'), 'AWSOrganizationsNotInUseException');
});

test('odd bodies are answered, never a 5xx', async () => {
  for (const body of ['[]', '"text"', '{"__proto__": {"x": 1}}', 'null', '{"Email": {"a": 1}}', '\u0000']) {
    const response = await signedFetch(server.url, ROOT, body, {
      service: 'organizations',
      contentType: 'application/x-amz-json-1.1',
      headers: { 'x-amz-target': `${TARGET}.CreateAccount` },
    });
    assert.ok(response.status >= 400 && response.status < 500, `${body} → ${response.status}`);
    assert.equal(typeof ((await response.json()) as { __type: string }).__type, 'string');
  }
});
