// The federation endpoint's parameters as the domain reads them: the Session JSON AWS documents
// ({"sessionId","sessionKey","sessionToken"}), bounded before it is parsed, and SessionDuration's
// range (900–43,200 seconds, whole numbers only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SESSION_DURATION_MAX,
  SESSION_DURATION_MIN,
  parseSessionDuration,
  parseSessionParameter,
} from './console-federation.ts';

const valid = { sessionId: 'ASIAEXAMPLEEXAMPLE12', sessionKey: 'secret/key+1', sessionToken: 'token==' };

test('the Session parameter is the three credential strings, or nothing', () => {
  assert.deepEqual(parseSessionParameter(JSON.stringify(valid)), valid);
  for (const text of [
    undefined,
    '',
    'not json',
    'null',
    '[]',
    '"ASIA"',
    JSON.stringify({ ...valid, sessionId: 42 }),
    JSON.stringify({ ...valid, sessionId: 'asia-lower-case-id' }),
    JSON.stringify({ ...valid, sessionKey: '' }),
    JSON.stringify({ sessionId: valid.sessionId, sessionKey: valid.sessionKey }),
    JSON.stringify({ ...valid, sessionToken: 'x'.repeat(2049) }),
    JSON.stringify({ ...valid, padding: 'x'.repeat(5000) }),
  ])
    assert.equal(parseSessionParameter(text), undefined, String(text).slice(0, 60));
});

test('SessionDuration: absent, or whole seconds from 900 to 43,200', () => {
  assert.equal(parseSessionDuration(undefined), undefined);
  assert.equal(parseSessionDuration('900'), SESSION_DURATION_MIN);
  assert.equal(parseSessionDuration('43200'), SESSION_DURATION_MAX);
  assert.equal(parseSessionDuration('3600'), 3600);
  for (const text of ['', '899', '43201', '3600.5', '-900', '1e3', ' 900', '0x384', '9999999'])
    assert.equal(parseSessionDuration(text), 'invalid', text);
});
