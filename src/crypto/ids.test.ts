import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  newAccessKeyId,
  newRequestId,
  newSecretAccessKey,
  newSecretToken,
  newTimeOrderedId,
  reserveTimeOrderedIds,
  timeOrderedId,
  newUniqueId,
  UNIQUE_ID_PREFIXES,
} from './ids.ts';

const N = 500;

test('access key IDs have AWS shape: AKIA/ASIA + 16 of [A-Z2-7]', () => {
  for (let i = 0; i < N; i++) {
    assert.match(newAccessKeyId('long-term'), /^AKIA[A-Z2-7]{16}$/);
    assert.match(newAccessKeyId('temporary'), /^ASIA[A-Z2-7]{16}$/);
  }
});

test('secret access keys are 40 base64 characters', () => {
  for (let i = 0; i < N; i++) assert.match(newSecretAccessKey(), /^[A-Za-z0-9+/]{40}$/);
});

test('unique IDs are the prefix + 17 upper-case alphanumerics (21 characters)', () => {
  for (const prefix of Object.values(UNIQUE_ID_PREFIXES)) {
    const id = newUniqueId(prefix);
    assert.equal(id.length, 21);
    assert.match(id, new RegExp(`^${prefix}[A-Z0-9]{17}$`));
  }
});

test('a malformed unique-ID prefix is refused', () => {
  assert.throws(() => newUniqueId('aida'));
  assert.throws(() => newUniqueId('AID'));
  assert.throws(() => newUniqueId('BIDA'));
});

test('request IDs are UUID v4', () => {
  for (let i = 0; i < N; i++) {
    assert.match(newRequestId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
});

test('secret tokens are base64url of the requested size, and sizes below 16 bytes are refused', () => {
  assert.match(newSecretToken(), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(newSecretToken(64), 'base64url').length, 64);
  assert.throws(() => newSecretToken(8));
  assert.throws(() => newSecretToken(1.5));
});

test('identifiers are not repeated (a guessed or colliding ID is vanishingly unlikely)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) seen.add(newAccessKeyId('long-term'));
  assert.equal(seen.size, 5000);
});

test('every character of the alphabet occurs (no character left out by a biased draw)', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 2000; i++)
    for (const c of newAccessKeyId('long-term').slice(4)) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 32);
  // 32000 draws over 32 symbols: expect 1000 each; a gross bias would fall far outside this band.
  for (const n of counts.values()) assert.ok(n > 800 && n < 1200, `count ${n}`);
});

test('time-ordered ids are UUID v7: they sort as their times do and never repeat', () => {
  const at = Date.parse('2026-12-04T12:00:00Z');
  const ids = [at, at, at + 1, at + 1000].map((ms) => newTimeOrderedId(ms));
  for (const id of ids)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16), at);
  assert.notEqual(ids[0], ids[1]);
  assert.ok(ids[1]! < ids[2]! && ids[2]! < ids[3]!);
  const sameMillisecond = new Set(Array.from({ length: 100_000 }, () => newTimeOrderedId(at)));
  assert.equal(sameMillisecond.size, 100_000);
});

test('ids of reserved ranges never repeat: not within a range, nor against single ids or other ranges', () => {
  const at = Date.parse('2026-12-04T12:00:00Z');
  const seen = new Set<string>();
  for (let round = 0; round < 200; round++) {
    const range = reserveTimeOrderedIds(256);
    for (let i = 0; i < 256; i++) seen.add(timeOrderedId(at, range.seed, range.first + i));
    seen.add(newTimeOrderedId(at));
  }
  assert.equal(seen.size, 200 * 257);
  const range = reserveTimeOrderedIds(2);
  assert.match(
    timeOrderedId(at + 5, range.seed, range.first + 1),
    /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/,
  );
  assert.throws(() => reserveTimeOrderedIds(0));
});
