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

test('an unsigned request, an unknown key, a stale or broken signature: the JSON protocol’s own codes', async () => {
  const json = async (response: Response) => {
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.1/);
    return (await response.json()) as Record<string, string>;
  };
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `${TARGET}.DescribeOrganization`,
  };
  const unsigned = await json(await fetch(server.url, { method: 'POST', headers, body: '{}' }));
  assert.equal(unsigned.__type, 'MissingAuthenticationTokenException');
  const broken = await json(
    await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, authorization: 'AWS4-HMAC-SHA256 Credential=nothing-else' },
      body: '{}',
    }),
  );
  assert.equal(broken.__type, 'IncompleteSignatureException');
  const options = {
    service: 'organizations',
    contentType: 'application/x-amz-json-1.1',
    headers: { 'x-amz-target': `${TARGET}.DescribeOrganization` },
  };
  const unknownKey = await json(
    await signedFetch(
      server.url,
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) },
      '{}',
      options,
    ),
  );
  assert.equal(unknownKey.__type, 'UnrecognizedClientException');
  const stale = await json(
    await signedFetch(server.url, ROOT, '{}', {
      ...options,
      signingDate: new Date(server.now() - 3_600_000),
    }),
  );
  assert.equal(stale.__type, 'InvalidSignatureException');
  assert.match(stale.message!, /^Signature expired/);
});

test('a target of another service, or naming no operation, is UnknownOperationException', async () => {
  const answer = async (target: string) => {
    const response = await signedFetch(server.url, ROOT, '{}', {
      service: 'organizations',
      contentType: 'application/x-amz-json-1.1',
      headers: { 'x-amz-target': target },
    });
    return { status: response.status, error: (await response.json()) as Record<string, string> };
  };
  assertJsonError(await answer('DynamoDB_20120810.ListTables'), 'UnknownOperationException');
  assertJsonError(await answer(`${TARGET}.`), 'UnknownOperationException');
  assertJsonError(await answer('DescribeOrganization'), 'UnknownOperationException');
});

test('a body over the size limit is refused with 413, in JSON', async () => {
  const response = await signedFetch(server.url, ROOT, `{"Name": "${'x'.repeat(2_000_000)}"}`, {
    service: 'organizations',
    contentType: 'application/x-amz-json-1.1',
    headers: { 'x-amz-target': `${TARGET}.CreateOrganizationalUnit` },
  });
  assert.equal(response.status, 413);
  assert.match(response.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.1/);
  assert.equal(((await response.json()) as { __type: string }).__type, 'RequestEntityTooLarge');
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
