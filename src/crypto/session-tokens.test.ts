import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hashSessionToken,
  newSessionToken,
  newStsSessionToken,
  sessionTokenMatches,
  stsTokenExpiry,
} from './session-tokens.ts';
import { createSealer, generateMasterKey } from './sealing.ts';

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

test('an STS token tells its expiry to the server that issued it, for its own key only', () => {
  const sealer = createSealer(generateMasterKey());
  const check = sealer.macMatches;
  const expires = Date.parse('2026-12-04T12:00:00Z');
  const token = newStsSessionToken(sealer.mac, 'ASIAEXAMPLE000000001', expires);
  assert.match(token, /^[A-Za-z0-9+/]+={0,2}$/);
  assert.equal(stsTokenExpiry(check, 'ASIAEXAMPLE000000001', token), expires);
  assert.equal(stsTokenExpiry(check, 'ASIAEXAMPLE000000002', token), undefined, 'another key id');
  const altered = Buffer.from(token, 'base64');
  altered.writeUInt8(altered.readUInt8(3) ^ 1, 3); // a later expiry, say
  assert.equal(stsTokenExpiry(check, 'ASIAEXAMPLE000000001', altered.toString('base64')), undefined);
  assert.equal(
    stsTokenExpiry(createSealer(generateMasterKey()).macMatches, 'ASIAEXAMPLE000000001', token),
    undefined,
  );
  assert.equal(stsTokenExpiry(check, 'ASIAEXAMPLE000000001', newSessionToken()), undefined);
  assert.equal(stsTokenExpiry(check, 'ASIAEXAMPLE000000001', 'not base64!'), undefined);
});

test('an STS token issued before a master key rotation stays good until it expires', () => {
  const before = generateMasterKey();
  const expires = Date.parse('2026-12-04T12:00:00Z');
  const token = newStsSessionToken(createSealer(before).mac, 'ASIAEXAMPLE000000001', expires);
  const rotated = createSealer(generateMasterKey(), [before]);
  assert.equal(stsTokenExpiry(rotated.macMatches, 'ASIAEXAMPLE000000001', token), expires);
  assert.equal(stsTokenExpiry(rotated.macMatches, 'ASIAEXAMPLE000000002', token), undefined);
});

test('STS tokens never repeat, and match only their own hash', () => {
  const mac = createSealer(generateMasterKey()).mac;
  const tokens = new Set(
    Array.from({ length: 100 }, () => newStsSessionToken(mac, 'ASIAEXAMPLE000000001', 0)),
  );
  assert.equal(tokens.size, 100);
  const [first, second] = [...tokens];
  assert.equal(sessionTokenMatches(first!, hashSessionToken(first!)), true);
  assert.equal(sessionTokenMatches(second!, hashSessionToken(first!)), false);
});
