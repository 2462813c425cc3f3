import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob } from './wildcard.ts';
import { parseCidr } from './conditions/ip.ts';
import { madeForRequest, sharedValue } from './shared.ts';
import { parsePolicy } from './parse.ts';
import { evaluate } from './evaluate.ts';
import { createRequest } from './request.ts';

test('policies naming the same pattern or range share one compiled value', () => {
  assert.equal(compileGlob('s3:get*'), compileGlob('s3:get*'));
  assert.equal(parseCidr('10.0.0.0/8'), parseCidr('10.0.0.0/8'));
  assert.notEqual(compileGlob('s3:get*'), compileGlob('s3:put*'));
});

test('a literal control character in a pattern is not taken for a wildcard', () => {
  const literal = compileGlob('a\u0001b');
  assert.notEqual(literal, compileGlob('a*b'));
  assert.equal(literal.matches('a\u0001b'), true);
  assert.equal(literal.matches('axxb'), false);
  assert.equal(compileGlob('a*b').matches('axxb'), true);
});

test("values made from a request's values are made afresh and never added", () => {
  const fresh = madeForRequest(() => compileGlob('made-for-a-request-*'));
  assert.notEqual(
    fresh,
    madeForRequest(() => compileGlob('made-for-a-request-*')),
  );
  assert.notEqual(compileGlob('made-for-a-request-*'), fresh);
});

test('statements writing the same condition share it; a different value does not', () => {
  const statement = (ip: string) => ({
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': [ip] }, StringEquals: { 'aws:username': '${aws:userid}' } },
  });
  const compile = () => {
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: [statement('10.0.0.0/8'), statement('10.0.0.0/8'), statement('192.0.2.0/24')],
    });
    const parsed = parsePolicy(text, { kind: 'identity' });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    return parsed.policy.statements.map((s) => s.conditions);
  };
  const [first, second, third] = compile();
  assert.equal(first![0], second![0]);
  assert.equal(first![1], second![1]);
  assert.notEqual(first![0], third![0]);
});

test('policies sharing a Resource with a variable each resolve it for the request at hand', () => {
  const policy = (action: string) => {
    const parsed = parsePolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: action, Resource: 'arn:aws:iam::*:user/${aws:username}' }],
      }),
      { kind: 'identity' },
    );
    assert.ok(parsed.ok);
    return parsed.policy;
  };
  const [get, list] = [policy('iam:GetUser'), policy('iam:ListAccessKeys')];
  const decide = (user: string, action: string, target: string) =>
    evaluate({
      request: createRequest({
        action,
        resource: `arn:aws:iam::123456789012:user/${target}`,
        context: { 'aws:username': user },
      }),
      identityPolicies: [get, list],
    }).decision;
  assert.equal(decide('alice', 'iam:GetUser', 'alice'), 'allowed');
  assert.equal(decide('bob', 'iam:ListAccessKeys', 'alice'), 'implicitDeny');
  assert.equal(decide('bob', 'iam:ListAccessKeys', 'bob'), 'allowed');
  assert.equal(decide('alice', 'iam:GetUser', 'bob'), 'implicitDeny');
});

test('the table keeps keys of at most a few million characters, then starts afresh', () => {
  const first = sharedValue('test-first', () => ({}));
  assert.equal(
    sharedValue('test-first', () => ({})),
    first,
  );
  const long = 'x'.repeat(100_000);
  for (let i = 0; i < 41; i++) sharedValue(`test-long-${i}${long}`, () => ({}));
  assert.notEqual(
    sharedValue('test-first', () => ({})),
    first,
    'forgotten once 4,000,000 characters were added',
  );
});
