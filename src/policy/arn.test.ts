import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileArnPattern, splitArn } from './arn.ts';
import { tokenizeGlob } from './wildcard.ts';

const matches = (pattern: string, arn: string) =>
  compileArnPattern(tokenizeGlob(pattern)).matches(arn, splitArn(arn));

test('splitArn keeps colons of the resource part', () => {
  assert.deepEqual(splitArn('arn:aws:logs:us-east-1:123456789012:log-group:name:*'), [
    'arn',
    'aws',
    'logs',
    'us-east-1',
    '123456789012',
    'log-group:name:*',
  ]);
  assert.equal(splitArn('not-an-arn'), null);
});

test('* in the resource part spans / and :', () => {
  assert.equal(matches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b/c'), true);
  assert.equal(
    matches('arn:aws:logs:*:*:log-group:*', 'arn:aws:logs:eu-west-1:123456789012:log-group:x:log-stream:y'),
    true,
  );
});

test('* in an earlier part does not cross into the next part', () => {
  assert.equal(matches('arn:aws:iam::*:user/alice', 'arn:aws:iam::123456789012:user/alice'), true);
  assert.equal(matches('arn:aws:iam::1*:user/alice', 'arn:aws:iam::123456789012:user/alice'), true);
  // the account part "*" cannot swallow "123456789012:user/bob"
  assert.equal(matches('arn:aws:iam::*:*', 'arn:aws:iam::123456789012:user/bob'), true);
  assert.equal(matches('arn:aws:iam::*:user/*', 'arn:aws:iam::123456789012:role/user/x'), false);
});

test('ARNs compare case-sensitively', () => {
  assert.equal(matches('arn:aws:iam::*:user/Alice', 'arn:aws:iam::123456789012:user/alice'), false);
});

test('a pattern of "*" matches a request resource of "*"; an ARN pattern does not', () => {
  assert.equal(matches('*', '*'), true);
  assert.equal(matches('arn:aws:iam::*:user/*', '*'), false);
});

test('an ARN without wildcards, or with one * closing its resource part, matches as the part-by-part rule says', () => {
  assert.equal(matches('arn:aws:s3:::bucket', 'arn:aws:s3:::bucket'), true);
  assert.equal(matches('arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/x'), false);
  assert.equal(matches('arn:aws:s3:::bucket*', 'arn:aws:s3:::bucket/a:b'), true);
  assert.equal(matches('arn:aws:s3:::bucket*', 'arn:aws:s3:::bucke'), false);
  assert.equal(matches('arn:aws:iam::123456789012:user/*', 'arn:aws:iam::123456789012:user/alice'), true);
  assert.equal(matches('arn:aws:iam::123456789012:user/*', 'arn:aws:iam::123456789013:user/alice'), false);
  assert.equal(matches('arn:aws:iam::123456789012:*', 'arn:aws:iam::123456789012:'), true);
  assert.equal(matches('arn:aws:iam::123456789012:user/a:b', 'arn:aws:iam::123456789012:user/a:b'), true);
});
