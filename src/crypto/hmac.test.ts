import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hmacSha256, sha256Hex } from './hmac.ts';

test('sha256Hex matches the published digest of the empty string and of "abc"', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(Buffer.from('abc')), sha256Hex('abc'));
});

test('hmacSha256 matches RFC 4231 test case 2', () => {
  const tag = hmacSha256('Jefe', 'what do ya want for nothing?');
  assert.equal(tag.toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

test('the AWS SigV4 signing key derivation chains raw HMAC bytes (AWS published kSigning)', () => {
  let key: Buffer = hmacSha256('AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830');
  for (const part of ['us-east-1', 'iam', 'aws4_request']) key = hmacSha256(key, part);
  assert.equal(key.toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
});

test('a different key gives a different tag', () => {
  assert.notDeepEqual(hmacSha256('k1', 'data'), hmacSha256('k2', 'data'));
});
