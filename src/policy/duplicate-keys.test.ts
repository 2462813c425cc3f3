import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasDuplicateKey } from './duplicate-keys.ts';
import { parsePolicy } from './parse.ts';

test('a key repeated in one object is found at any depth', () => {
  assert.equal(hasDuplicateKey('{"a":1,"a":2}'), true);
  assert.equal(hasDuplicateKey('{"x":[{"b":{"c":1}},{"a":1,"b":[1,{"z":0}],"a":null}]}'), true);
  assert.equal(hasDuplicateKey('{"a":{"b":1},"a":{"c":2}}'), true);
  assert.equal(hasDuplicateKey('{"k\\u0065y":1,"key":2}'), true);
});

test('each object keeps its own keys', () => {
  assert.equal(hasDuplicateKey('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}'), false);
  assert.equal(hasDuplicateKey('{"a":"a","b":["a","a"],"c":{"d":"c"}}'), false);
  assert.equal(hasDuplicateKey('{"a":1,"A":2,"a ":3}'), false);
  assert.equal(hasDuplicateKey('[1,2,"x","x"]'), false);
});

test('white space and line breaks between tokens do not matter', () => {
  assert.equal(hasDuplicateKey('{\r\n  "a" : {\n "b": 1 },\r "a"\t:\n2\n}'), true);
  assert.equal(hasDuplicateKey('{\r\n  "a" : {\n "b": 1 },\r "c"\t:\n2\n}'), false);
});

test('a document stored before repeated keys were refused still compiles, read as it was then', () => {
  const text =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
  assert.equal(parsePolicy(text, { kind: 'identity' }).ok, false, 'refused when written now');
  const stored = parsePolicy(text, { kind: 'identity', stored: true });
  assert.ok(stored.ok);
  assert.equal(stored.policy.statements[0]!.effect, 'Allow', 'the last value, as JSON.parse kept it');
});
