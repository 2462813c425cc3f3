import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordText, rowOf } from './event-history-rows.ts';

const event = (record: Record<string, unknown>) => ({
  EventId: 'e1',
  EventName: String(record.eventName),
  EventTime: new Date('2026-12-04T11:30:15Z'),
  EventSource: 'iam.amazonaws.com',
  Username: 'alice',
  CloudTrailEvent: JSON.stringify(record),
});

test('a row takes its columns from the event and its CloudTrail record', () => {
  const row = rowOf(event({ eventName: 'ListUsers', sourceIPAddress: '192.0.2.7' }));
  assert.equal(row.time, '2026-12-04T11:30:15Z');
  assert.equal(row.username, 'alice');
  assert.equal(row.sourceIp, '192.0.2.7');
  assert.equal(row.outcome, 'success');
  assert.equal(
    recordText(row),
    JSON.stringify({ eventName: 'ListUsers', sourceIPAddress: '192.0.2.7' }, null, 2),
  );
});

test('access errors are denied, other codes errors, a message alone (a failed sign-in) failed', () => {
  assert.equal(rowOf(event({ eventName: 'ListUsers', errorCode: 'AccessDenied' })).outcome, 'denied');
  assert.equal(
    rowOf(event({ eventName: 'LookupEvents', errorCode: 'AccessDeniedException' })).outcome,
    'denied',
  );
  assert.equal(rowOf(event({ eventName: 'GetUser', errorCode: 'NoSuchEntity' })).outcome, 'error');
  const failed = rowOf(event({ eventName: 'ConsoleLogin', errorMessage: 'Failed authentication' }));
  assert.equal(failed.outcome, 'failed');
  assert.equal(failed.errorMessage, 'Failed authentication');
});

test('a record that is not JSON is shown as it is', () => {
  const row = rowOf({ EventId: 'e2', EventName: 'X', CloudTrailEvent: '<not json>' });
  assert.equal(recordText(row), '<not json>');
  assert.equal(row.outcome, 'success');
});
