import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equalsConstantTime } from './constant-time.ts';

test('equal values compare equal, as strings, bytes or a mix', () => {
  assert.equal(equalsConstantTime('abc', 'abc'), true);
  assert.equal(equalsConstantTime(Buffer.from('abc'), new Uint8Array([0x61, 0x62, 0x63])), true);
  assert.equal(equalsConstantTime('é', Buffer.from('é', 'utf8')), true);
  assert.equal(equalsConstantTime('', ''), true);
});

test('a value that differs in one character is rejected', () => {
  const signature = 'a'.repeat(63) + 'b';
  assert.equal(equalsConstantTime(signature, 'a'.repeat(64)), false);
  assert.equal(equalsConstantTime('b' + 'a'.repeat(63), 'a'.repeat(64)), false);
});

test('a prefix of the secret is rejected (no match on a shorter length)', () => {
  assert.equal(equalsConstantTime('secret-value', 'secret'), false);
  assert.equal(equalsConstantTime('secret', 'secret-value'), false);
  assert.equal(equalsConstantTime('secret', ''), false);
});

test('an input of a very different length is compared without throwing', () => {
  // timingSafeEqual itself throws on unequal lengths; the wrapper must not leak that.
  assert.equal(equalsConstantTime('x'.repeat(10_000), 'x'), false);
});
