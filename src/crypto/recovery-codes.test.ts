import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RECOVERY_CODE_COUNT,
  newRecoveryCode,
  newRecoveryCodes,
  normalizeRecoveryCode,
} from './recovery-codes.ts';

test('a code is two groups of five characters without look-alikes', () => {
  for (let i = 0; i < 200; i++) {
    const code = newRecoveryCode();
    assert.match(code, /^[A-HJKMNP-TV-Z2-9]{5}-[A-HJKMNP-TV-Z2-9]{5}$/);
    assert.doesNotMatch(code, /[01OILU]/);
  }
});

test('a set holds ten distinct codes, and two sets differ', () => {
  const first = newRecoveryCodes();
  assert.equal(first.length, RECOVERY_CODE_COUNT);
  assert.equal(new Set(first).size, RECOVERY_CODE_COUNT);
  const second = newRecoveryCodes();
  assert.equal(
    first.some((c) => second.includes(c)),
    false,
  );
});

test('a typed code is read without case, spaces or hyphens', () => {
  const code = newRecoveryCode();
  const compact = code.replace('-', '');
  assert.equal(normalizeRecoveryCode(code), compact);
  assert.equal(normalizeRecoveryCode(` ${code.toLowerCase()} `), compact);
  assert.equal(normalizeRecoveryCode(`${compact.slice(0, 3)} ${compact.slice(3)}`), compact);
});

test('what cannot be a code is refused before anything is hashed', () => {
  assert.equal(normalizeRecoveryCode(''), undefined);
  assert.equal(normalizeRecoveryCode('123456'), undefined);
  assert.equal(normalizeRecoveryCode('ABCDE-FGH1J'), undefined); // 1 is not in the alphabet
  assert.equal(normalizeRecoveryCode('ABCDE-FGHJKM'), undefined); // 11 characters
  assert.equal(normalizeRecoveryCode('A'.repeat(1000)), undefined);
});
