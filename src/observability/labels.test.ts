import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionLabel, consoleOutcomeLabel, outcomeLabel } from './labels.ts';

test('an action is a label only when its service model names it', () => {
  assert.equal(actionLabel('iam', 'GetUser'), 'GetUser');
  assert.equal(actionLabel('sts', 'AssumeRole'), 'AssumeRole');
  assert.equal(actionLabel('cloudtrail', 'LookupEvents'), 'LookupEvents');
  assert.equal(actionLabel('access-analyzer', 'ValidatePolicy'), 'ValidatePolicy');
  assert.equal(
    actionLabel('access-analyzer', 'GetAnalyzer'),
    'Unknown',
    'only the operations served are labels',
  );
  for (const made of ['getuser', 'GetUserX', 'AssumeRole ', '', '__proto__', 'constructor', 'x'.repeat(500)])
    assert.equal(actionLabel('iam', made), 'Unknown', made);
  assert.equal(actionLabel('iam', 'AssumeRole'), 'Unknown', "an STS action is not IAM's");
  assert.equal(actionLabel('iam', undefined), 'Unknown');
});

test('an outcome is ok, a code the server sends, or OtherError', () => {
  assert.equal(outcomeLabel(undefined), 'ok');
  for (const code of [
    'AccessDenied',
    'NoSuchEntity',
    'EntityAlreadyExists',
    'InvalidClientTokenId',
    'ExpiredToken',
    'InvalidAction',
    'InternalFailure',
    'RegionDisabledException',
    'AccessDeniedException',
    'InvalidLookupAttributesException',
    'MissingAuthenticationTokenException',
    'RequestEntityTooLarge',
    'MissingAuthenticationTokenException',
    'InternalServerException',
  ])
    assert.equal(outcomeLabel(code), code);
  assert.equal(outcomeLabel('SomethingMadeUp'), 'OtherError');
  assert.equal(outcomeLabel('__proto__'), 'OtherError');
});

test("a console page's outcome is its status class", () => {
  assert.deepEqual([200, 303, 401, 403, 429, 500].map(consoleOutcomeLabel), [
    'ok',
    'ok',
    'ClientError',
    'ClientError',
    'ClientError',
    'ServerError',
  ]);
});
