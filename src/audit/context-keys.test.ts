import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContext } from './context-keys.ts';

test('global keys are typed as AWS types them; other keys are strings, or lists when several', () => {
  assert.deepEqual(
    parseContext([
      'aws:MultiFactorAuthPresent=TRUE',
      'aws:MultiFactorAuthAge=300',
      'aws:CurrentTime=2026-12-04T12:00:00Z',
      'aws:SourceIp=10.0.0.1',
      'aws:TagKeys=team',
      'iam:PassedToService=ec2.amazonaws.com',
      'aws:RequestTag/team=a,b',
    ]),
    {
      'aws:MultiFactorAuthPresent': true,
      'aws:MultiFactorAuthAge': 300,
      'aws:CurrentTime': '2026-12-04T12:00:00Z',
      'aws:SourceIp': '10.0.0.1',
      'aws:TagKeys': ['team'],
      'iam:PassedToService': 'ec2.amazonaws.com',
      'aws:RequestTag/team': ['a', 'b'],
    },
  );
});

test('a later entry of a key replaces an earlier one; a value may hold "="', () => {
  assert.deepEqual(parseContext(['aws:SecureTransport=false', 'aws:SecureTransport=true', 'k=a=b']), {
    'aws:SecureTransport': true,
    k: 'a=b',
  });
});

test('a value of the wrong type, or several values of a single-valued key, is refused', () => {
  for (const [entry, message] of [
    ['aws:SecureTransport=1', /Bool key; "1" is not true or false/],
    ['aws:MultiFactorAuthAge=', /Numeric key/],
    ['aws:CurrentTime=yesterday', /Date key/],
    ['aws:SourceIp=localhost', /IpAddress key/],
    ['aws:MultiFactorAuthPresent=true,false', /single-valued/],
    ['=x', /not key=value/],
  ] as const)
    assert.throws(() => parseContext([entry]), message, entry);
});
