import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword, verifyPasswordOrDummy } from './passwords.ts';

test('a stored hash is argon2id with OWASP parameters and a fresh salt', async () => {
  const a = await hashPassword('correct horse battery staple');
  const b = await hashPassword('correct horse battery staple');
  assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(a, b, 'two hashes of one password differ by salt');
  assert.equal(needsRehash(a), false);
});

test('the right password verifies; a password that differs in one character is rejected', async () => {
  const h = await hashPassword('Pa55word!');
  assert.equal(await verifyPassword(h, 'Pa55word!'), true);
  assert.equal(await verifyPassword(h, 'Pa55word?'), false);
  assert.equal(await verifyPassword(h, ''), false);
});

test('a malformed stored hash fails the check instead of throwing', async () => {
  for (const bad of [
    '',
    'garbage',
    '$argon2id$v=19$broken',
    '$2b$10$abcdefghijklmnopqrstuv',
    '$argon2id' + 'x'.repeat(600),
  ]) {
    assert.equal(await verifyPassword(bad, 'anything'), false, bad.slice(0, 20));
  }
  assert.equal(needsRehash('garbage'), true);
});

test('an unknown user never signs in, yet pays for a real argon2id verify', async () => {
  assert.equal(await verifyPasswordOrDummy(undefined, 'anything'), false);
  assert.equal(await verifyPassword(DUMMY_HASH, 'anything'), false);
  // The dummy hash carries the same cost parameters as real hashes, so the work is the same.
  assert.match(DUMMY_HASH, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  const h = await hashPassword('pw');
  assert.equal(await verifyPasswordOrDummy(h, 'pw'), true);
  assert.equal(await verifyPasswordOrDummy(h, 'nope'), false);
});

test('unknown-user checks take about as long as wrong-password checks', async () => {
  const h = await hashPassword('pw');
  const time = async (f: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) await f();
    return Number(process.hrtime.bigint() - t);
  };
  const known = await time(() => verifyPasswordOrDummy(h, 'wrong'));
  const unknown = await time(() => verifyPasswordOrDummy(undefined, 'wrong'));
  const ratio = unknown / known;
  assert.ok(ratio > 0.3 && ratio < 3.5, `unknown/known time ratio ${ratio.toFixed(2)}`);
});

test('an over-long password is refused before hashing', async () => {
  await assert.rejects(hashPassword('x'.repeat(5000)));
  const h = await hashPassword('pw');
  assert.equal(await verifyPassword(h, 'x'.repeat(5000)), false);
});
