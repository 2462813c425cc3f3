import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSessionToken, newSessionToken, sessionTokenMatches } from './session-tokens.ts';

test('a session token matches only its own hash', () => {
  const token = newSessionToken();
  const hash = hashSessionToken(token);
  assert.equal(sessionTokenMatches(token, hash), true);
  assert.equal(sessionTokenMatches(newSessionToken(), hash), false);
});

test('a token altered in one character is rejected', () => {
  const token = newSessionToken();
  const hash = hashSessionToken(token);
  const altered = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
  assert.equal(sessionTokenMatches(altered, hash), false);
});

test('tokens are long and never repeat', () => {
  const tokens = new Set(Array.from({ length: 100 }, newSessionToken));
  assert.equal(tokens.size, 100);
  for (const token of tokens) assert.ok(token.length >= 128);
});
