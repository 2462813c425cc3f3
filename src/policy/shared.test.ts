import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob } from './wildcard.ts';
import { parseCidr } from './conditions/ip.ts';
import { madeForRequest } from './shared.ts';

test('policies naming the same pattern or range share one compiled value', () => {
  assert.equal(compileGlob('s3:get*'), compileGlob('s3:get*'));
  assert.equal(parseCidr('10.0.0.0/8'), parseCidr('10.0.0.0/8'));
  assert.notEqual(compileGlob('s3:get*'), compileGlob('s3:put*'));
});

test('a literal control character in a pattern is not taken for a wildcard', () => {
  const literal = compileGlob('a\u0001b');
  assert.notEqual(literal, compileGlob('a*b'));
  assert.equal(literal.matches('a\u0001b'), true);
  assert.equal(literal.matches('axxb'), false);
  assert.equal(compileGlob('a*b').matches('axxb'), true);
});

test("values made from a request's values are made afresh and never added", () => {
  const fresh = madeForRequest(() => compileGlob('made-for-a-request-*'));
  assert.notEqual(
    fresh,
    madeForRequest(() => compileGlob('made-for-a-request-*')),
  );
  assert.notEqual(compileGlob('made-for-a-request-*'), fresh);
});
