import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';

test('metrics are on and the request log is at info unless said otherwise', () => {
  const config = loadConfig([], {});
  assert.equal(config.metrics, true);
  assert.equal(config.logLevel, 'info');
});

test('PORTCULLIS_METRICS=off (or --metrics off) turns /metrics off', () => {
  for (const value of ['off', 'OFF', '0', 'false', 'no'])
    assert.equal(loadConfig([], { PORTCULLIS_METRICS: value }).metrics, false, value);
  assert.equal(loadConfig(['--metrics', 'off'], {}).metrics, false);
  assert.equal(loadConfig([], { PORTCULLIS_METRICS: 'on' }).metrics, true);
});

test("PORTCULLIS_LOG_LEVEL takes pino's level names, silent included, and refuses others", () => {
  assert.equal(loadConfig([], { PORTCULLIS_LOG_LEVEL: 'silent' }).logLevel, 'silent');
  assert.equal(loadConfig([], { PORTCULLIS_LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
  assert.equal(loadConfig(['--log-level=warn'], {}).logLevel, 'warn');
  assert.throws(
    () => loadConfig([], { PORTCULLIS_LOG_LEVEL: 'loud' }),
    /PORTCULLIS_LOG_LEVEL must be one of/,
  );
});
