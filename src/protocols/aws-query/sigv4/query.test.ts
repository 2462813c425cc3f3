import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  canonicalQueryString,
  firstValue,
  MAX_QUERY_PAIRS,
  parseQuery,
  uriEncodeBytes,
  type QueryPair,
} from './query.ts';

const canon = (raw: string) => canonicalQueryString(parseQuery(raw) as QueryPair[]);

test('parameters are sorted by encoded name, then value (byte order: upper case before lower case)', () => {
  assert.equal(canon('b=2&a=1&A=0'), 'A=0&a=1&b=2');
  assert.equal(canon('Tag=b&Tag=a&Tag=a'), 'Tag=a&Tag=a&Tag=b');
  assert.equal(canon('a=1&a-b=2'), 'a=1&a-b=2');
});

test('values are re-encoded as SigV4 requires: unreserved kept, space as %20, + as %2B, UTF-8 bytes upper-case', () => {
  assert.equal(canon('k=a%20b'), 'k=a%20b');
  assert.equal(canon('k=a+b'), 'k=a%2Bb');
  assert.equal(canon('k=%7e%2d%5F%2E'), 'k=~-_.');
  assert.equal(canon('k=%c3%a9'), 'k=%C3%A9');
  assert.equal(canon('k=é'), 'k=%C3%A9');
  assert.equal(canon('k=%2F%3D%26'), 'k=%2F%3D%26');
});

test('a name without "=" has an empty value; empty segments are skipped', () => {
  assert.equal(canon('flag&&a=1&'), 'a=1&flag=');
  assert.equal(canon(''), '');
});

test('X-Amz-Signature never enters the canonical query', () => {
  assert.equal(canon('a=1&X-Amz-Signature=abc&x-amz-signature=def'), 'a=1');
});

test('the first value of a repeated authentication parameter is the one read, as at AWS', () => {
  const pairs = parseQuery('X-Amz-Date=1&X-Amz-Date=2') as QueryPair[];
  assert.equal(firstValue(pairs, 'X-Amz-Date'), '1');
  assert.equal(firstValue(pairs, 'x-amz-date'), undefined);
});

test('a query with too many parameters, or too long, is refused before it is canonicalized', () => {
  const many = Array.from({ length: MAX_QUERY_PAIRS + 1 }, (_, i) => `p${i}=1`).join('&');
  assert.equal((parseQuery(many) as { code: string }).code, 'IncompleteSignature');
  assert.equal((parseQuery('a='.padEnd(70_000, 'x')) as { code: string }).code, 'IncompleteSignature');
});

test('encoding any string as a client would and canonicalizing it gives the SigV4 encoding of its bytes', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (k, v) => {
      const pairs = parseQuery(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
      assert.ok(Array.isArray(pairs));
      if (k === '' && v === '') return;
      assert.equal(pairs[0]?.name, k);
      assert.equal(pairs[0]?.value, v);
      assert.equal(pairs[0]?.encodedValue, uriEncodeBytes(Buffer.from(v, 'utf8')));
      assert.match(pairs[0]?.encodedValue ?? '', /^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
    }),
  );
});
