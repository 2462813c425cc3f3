import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequest, type PreparedRequest } from './request.ts';
import { parsePolicy } from './parse.ts';
import { evaluate } from './evaluate.ts';

/** An identity policy allowing s3:GetObject when `condition` holds. */
function allowsWhen(condition: Record<string, Record<string, string>>) {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: condition }],
  });
  const parsed = parsePolicy(text, { kind: 'identity' });
  assert.ok(parsed.ok);
  return (request: PreparedRequest) => evaluate({ request, identityPolicies: [parsed.policy] }).decision;
}

const valuesOf = (context: { get(key: string): { values: readonly string[] } | undefined }, key: string) =>
  context.get(key)?.values;

test('context keys are found in lower case, with every value as text', () => {
  const request = createRequest({
    action: 'iam:GetUser',
    resource: '*',
    context: { 'aws:MultiFactorAuthPresent': true, 'aws:TagKeys': ['a', 'B'], 'aws:EpochTime': 7 },
  });
  assert.deepEqual(valuesOf(request.context, 'aws:multifactorauthpresent'), ['true']);
  assert.deepEqual(valuesOf(request.context, 'aws:tagkeys'), ['a', 'B']);
  assert.equal(request.context.get('aws:tagkeys')?.multiValued, true);
  assert.deepEqual(valuesOf(request.context, 'aws:epochtime'), ['7']);
});

test('in several sets of keys, a later set replaces an earlier one (in any case) and undefined removes', () => {
  const request = createRequest({
    action: 'iam:GetUser',
    resource: '*',
    context: [
      { 'aws:username': 'alice', 'aws:SourceIp': '10.0.0.1', 'aws:PrincipalTag/team': 'red' },
      { 'AWS:UserName': 'bob' },
      { 'aws:principaltag/TEAM': undefined },
    ],
  });
  assert.deepEqual(valuesOf(request.context, 'aws:username'), ['bob']);
  assert.deepEqual(valuesOf(request.context, 'aws:sourceip'), ['10.0.0.1']);
  assert.equal(request.context.has('aws:principaltag/team'), false);
});

test('a frozen set of keys serves many requests; a set that is not frozen is read afresh each time', () => {
  const principal = Object.freeze({ 'aws:username': 'alice', 'aws:TagKeys': ['a'] });
  const perRequest: Record<string, string> = { 'aws:SourceIp': '10.0.0.1' };
  const first = createRequest({ action: 'iam:GetUser', resource: '*', context: [principal, perRequest] });
  perRequest['aws:SourceIp'] = '10.0.0.2';
  const second = createRequest({ action: 'iam:GetUser', resource: '*', context: [principal, perRequest] });
  assert.deepEqual(valuesOf(first.context, 'aws:sourceip'), ['10.0.0.1']);
  assert.deepEqual(valuesOf(second.context, 'aws:sourceip'), ['10.0.0.2']);
  assert.deepEqual(valuesOf(second.context, 'aws:username'), ['alice']);
  assert.ok(Object.isFrozen(second.context.get('aws:tagkeys')?.values));
});

test('what conditions read from a value is derived from it alike on every use', () => {
  const request = createRequest({
    action: 's3:GetObject',
    resource: '*',
    context: { 'aws:SourceIp': '::ffff:192.0.2.5', 'aws:EpochTime': 1796400000, 'aws:TagKeys': ['A', 'b'] },
  });
  const ip = request.context.get('aws:sourceip')!;
  assert.equal(ip.ip(0), ip.ip(0), 'parsed once');
  assert.deepEqual(ip.ip(0), { v6: false, groups: [0xc000, 0x0205], v4: 0xc0000205 });
  const epoch = request.context.get('aws:epochtime')!;
  assert.equal(epoch.number(0), 1796400000);
  assert.equal(epoch.date(0), 1796400000 * 1000);
  const tags = request.context.get('aws:tagkeys')!;
  assert.deepEqual([tags.lower(0), tags.lower(1)], ['a', 'b']);
  assert.equal(tags.arnParts(0), null);
});

test('a key first named by a policy compiled after the request was prepared is still found', () => {
  // Keys are numbered as policies naming them are compiled: these two names appear nowhere else.
  const frozen = Object.freeze({ 'test:LateFrozenKey': 'x' });
  const before = createRequest({
    action: 's3:GetObject',
    resource: '*',
    context: [frozen, { 'test:LateOwnKey': 'y' }],
  });
  const decide = allowsWhen({ StringEquals: { 'test:latefrozenkey': 'x', 'TEST:LATEOWNKEY': 'y' } });
  assert.equal(decide(before), 'allowed');
  const after = createRequest({
    action: 's3:GetObject',
    resource: '*',
    context: [frozen, { 'test:LateOwnKey': 'y' }],
  });
  assert.equal(decide(after), 'allowed');
  const without = createRequest({ action: 's3:GetObject', resource: '*', context: [frozen] });
  assert.equal(decide(without), 'implicitDeny');
});

test('a key a later set removes is absent to conditions too', () => {
  const decide = allowsWhen({ Null: { 'aws:SourceIp': 'true' } });
  const request = (later: Record<string, string | undefined>) =>
    createRequest({
      action: 's3:GetObject',
      resource: '*',
      context: [{ 'aws:SourceIp': '10.0.0.1' }, later],
    });
  assert.equal(decide(request({ 'AWS:SOURCEIP': undefined })), 'allowed');
  assert.equal(decide(request({})), 'implicitDeny');
});
