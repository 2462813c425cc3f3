// Errors on the wire: statuses from the models and AWS's common table, IamError mapping, the
// generic internal failure, and (3) the official SDK reading our error documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { GetUserCommand, IAMClient, CreateUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HttpResponse } from '@smithy/protocol-http';
import { IamError } from '../../domain/errors.ts';
import { decodeQueryRequest } from './codec/decode.ts';
import { encodeQueryError } from './codec/encode.ts';
import { httpStatusFor, INTERNAL_FAILURE_MESSAGE, toQueryErrorResponse } from './errors.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let reply = { status: 500, body: '' };
const requestHandler = {
  async handle() {
    return {
      response: new HttpResponse({
        statusCode: reply.status,
        headers: { 'content-type': 'text/xml' },
        body: Readable.from([Buffer.from(reply.body, 'utf8')]),
      }),
    };
  },
};
const config = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
  requestHandler,
};
const iam = new IAMClient(config);
const sts = new STSClient(config);

interface SdkError {
  name: string;
  message: string;
  $fault: string;
  $metadata: { httpStatusCode?: number };
}

async function sdkError(send: () => Promise<unknown>): Promise<SdkError> {
  try {
    await send();
  } catch (e) {
    return e as SdkError;
  }
  assert.fail('the SDK accepted an error response');
}

test('statuses of IAM codes come from the model', () => {
  const expected: Record<string, number> = {
    NoSuchEntity: 404,
    EntityAlreadyExists: 409,
    LimitExceeded: 409,
    DeleteConflict: 409,
    MalformedPolicyDocument: 400,
    InvalidInput: 400,
    PasswordPolicyViolation: 400,
    ReportNotPresent: 410,
    ReportExpired: 410,
    ReportInProgress: 404,
    InvalidAuthenticationCode: 403,
    EntityTemporarilyUnmodifiable: 409,
    ConcurrentModification: 409,
    InvalidUserType: 400,
    UnmodifiableEntity: 400,
    ServiceFailure: 500,
  };
  for (const [code, status] of Object.entries(expected))
    assert.equal(httpStatusFor('iam', code), status, code);
});

test('statuses of STS codes come from the STS model', () => {
  const expected: Record<string, number> = {
    MalformedPolicyDocument: 400,
    PackedPolicyTooLarge: 400,
    RegionDisabledException: 403,
    ExpiredTokenException: 400,
    IDPRejectedClaim: 403,
    IDPCommunicationError: 400,
    InvalidIdentityToken: 400,
    InvalidAuthorizationMessageException: 400,
  };
  for (const [code, status] of Object.entries(expected))
    assert.equal(httpStatusFor('sts', code), status, code);
});

test('statuses of the codes every Query service shares', () => {
  const expected: Record<string, number> = {
    AccessDenied: 403,
    ValidationError: 400,
    InvalidAction: 400,
    MissingAction: 400,
    MalformedInput: 400,
    InvalidClientTokenId: 403,
    SignatureDoesNotMatch: 403,
    IncompleteSignature: 400,
    MissingAuthenticationToken: 403,
    ExpiredToken: 403,
    Throttling: 400,
    InternalFailure: 500,
    ServiceUnavailable: 503,
  };
  for (const service of ['iam', 'sts'] as const) {
    for (const [code, status] of Object.entries(expected))
      assert.equal(httpStatusFor(service, code), status, `${service} ${code}`);
  }
  assert.equal(httpStatusFor('iam', 'SomethingNew'), 400);
  assert.equal(httpStatusFor('iam', '__proto__'), 400);
  assert.equal(httpStatusFor('iam', 'constructor'), 400);
});

test('an IamError leaves with its code, message and status', () => {
  const { status, body } = toQueryErrorResponse(
    'iam',
    new IamError('EntityAlreadyExists', 'User with name bob already exists.'),
    'r-1',
  );
  assert.equal(status, 409);
  assert.match(
    body,
    /<Type>Sender<\/Type>\s*<Code>EntityAlreadyExists<\/Code>\s*<Message>User with name bob already exists\.<\/Message>/,
  );
  assert.match(body, /<RequestId>r-1<\/RequestId>/);
});

test('anything else leaves as a 500 InternalFailure that says nothing of the cause', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  for (const thrown of [
    new Error(`db password ${secret}`),
    new TypeError(secret),
    secret,
    null,
    undefined,
    { code: 'NoSuchEntity', message: secret },
  ]) {
    const { status, body } = toQueryErrorResponse('sts', thrown, 'r');
    assert.equal(status, 500);
    assert.match(body, /<Type>Receiver<\/Type>\s*<Code>InternalFailure<\/Code>/);
    assert.ok(body.includes(INTERNAL_FAILURE_MESSAGE));
    assert.ok(!body.includes(secret));
    assert.ok(!body.includes('db password'));
  }
});

// (3) the SDK reads our error documents ---------------------------------------------------------

test('the SDK turns a modelled IAM error into its exception class with message and status', async () => {
  const cases: [IamError, string, number][] = [
    [new IamError('NoSuchEntity', 'The user with name bob cannot be found.'), 'NoSuchEntityException', 404],
    [
      new IamError('EntityAlreadyExists', 'User with name bob already exists.'),
      'EntityAlreadyExistsException',
      409,
    ],
    [
      new IamError('LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2'),
      'LimitExceededException',
      409,
    ],
    [
      new IamError('InvalidAuthenticationCode', 'Authentication code for device is not valid.'),
      'InvalidAuthenticationCodeException',
      403,
    ],
    [
      new IamError('MalformedPolicyDocument', 'Syntax errors in policy.'),
      'MalformedPolicyDocumentException',
      400,
    ],
  ];
  for (const [error, name, status] of cases) {
    reply = toQueryErrorResponse('iam', error, 'r');
    const e = await sdkError(() => iam.send(new GetUserCommand({ UserName: 'bob' })));
    assert.equal(e.name, name);
    assert.equal(e.message, error.message);
    assert.equal(e.$metadata.httpStatusCode, status);
    assert.equal(e.$fault, 'client');
  }
});

test('the SDK reads common errors by their code', async () => {
  const cases: [string, string][] = [
    [
      'AccessDenied',
      'User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:GetUser on resource: user bob',
    ],
    ['ExpiredToken', 'The security token included in the request is expired'],
    ['Throttling', 'Rate exceeded'],
  ];
  for (const [code, message] of cases) {
    reply = toQueryErrorResponse('iam', new IamError(code, message), 'r');
    const e = await sdkError(() => iam.send(new GetUserCommand({})));
    assert.equal(e.name, code);
    assert.equal(e.message, message);
    assert.equal(e.$metadata.httpStatusCode, httpStatusFor('iam', code));
  }
});

test('the SDK reads a decode failure (validation) as ValidationError, 400', async () => {
  const decoded = decodeQueryRequest(
    'iam',
    new URLSearchParams('Action=CreateUser&Version=2010-05-08&UserName=' + 'x'.repeat(65)),
  );
  assert.equal(decoded.ok, false);
  if (decoded.ok) return;
  reply = { status: decoded.error.status, body: encodeQueryError('iam', decoded.error, 'r') };
  const e = await sdkError(() => iam.send(new CreateUserCommand({ UserName: 'x' })));
  assert.equal(e.name, 'ValidationError');
  assert.equal(
    e.message,
    "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
  );
  assert.equal(e.$metadata.httpStatusCode, 400);
});

test('the SDK reads InvalidAction in the AWSFault namespace', async () => {
  const decoded = decodeQueryRequest('sts', new URLSearchParams('Action=AssumeRole'));
  if (decoded.ok) assert.fail('decoded');
  reply = { status: decoded.error.status, body: encodeQueryError('sts', decoded.error, 'r') };
  const e = await sdkError(() => sts.send(new AssumeRoleCommand({ RoleArn: 'a', RoleSessionName: 'b' })));
  assert.equal(e.name, 'InvalidAction');
  assert.equal(e.message, 'Could not find operation AssumeRole for version NO_VERSION_SPECIFIED');
  assert.equal(e.$metadata.httpStatusCode, 400);
});

test('the SDK reads STS errors, and our internal failure as a server fault', async () => {
  reply = toQueryErrorResponse('sts', new IamError('ExpiredTokenException', 'Token too old'), 'r');
  const expired = await sdkError(() =>
    sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: 'a', RoleSessionName: 'b', WebIdentityToken: 't' }),
    ),
  );
  assert.equal(expired.name, 'ExpiredTokenException');
  assert.equal(expired.$metadata.httpStatusCode, 400);

  reply = toQueryErrorResponse('sts', new Error('boom'), 'r');
  const internal = await sdkError(() =>
    sts.send(new AssumeRoleCommand({ RoleArn: 'a', RoleSessionName: 'b' })),
  );
  assert.equal(internal.name, 'InternalFailure');
  assert.equal(internal.message, INTERNAL_FAILURE_MESSAGE);
  assert.equal(internal.$metadata.httpStatusCode, 500);
  assert.equal(internal.$fault, 'server');
});
