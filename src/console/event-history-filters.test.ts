import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterQuery, parseFilters, parseUtc } from './event-history-filters.ts';

test('datetime-local values are read as UTC, with or without seconds', () => {
  assert.equal(parseUtc('2026-12-04T11:30')?.toISOString(), '2026-12-04T11:30:00.000Z');
  assert.equal(parseUtc('2026-12-04T11:30:15')?.toISOString(), '2026-12-04T11:30:15.000Z');
  assert.equal(parseUtc('2026-12-04 11:30:15Z')?.toISOString(), '2026-12-04T11:30:15.000Z');
});

test('what is not a real date and time is refused', () => {
  for (const text of [
    'yesterday',
    '2026-02-30T10:00',
    '2026-12-04T24:00',
    '2026-13-01T00:00',
    '2026-12-04',
    '',
  ])
    assert.equal(parseUtc(text), undefined, text);
});

test('a user name is the lookup attribute, and an event name given with it is filtered by the page', () => {
  const both = parseFilters({ username: ' alice ', 'event-name': 'ListUsers', errors: 'true' });
  assert.ok(both.ok);
  assert.deepEqual(both.plan, {
    attribute: { AttributeKey: 'Username', AttributeValue: 'alice' },
    eventName: 'ListUsers',
    errorsOnly: true,
  });
  const name = parseFilters({
    'event-name': 'ConsoleLogin',
    start: '2026-12-01T00:00',
    end: '2026-12-02T00:00',
  });
  assert.ok(name.ok);
  assert.deepEqual(name.plan, {
    attribute: { AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' },
    startTime: new Date('2026-12-01T00:00:00Z'),
    endTime: new Date('2026-12-02T00:00:00Z'),
    errorsOnly: false,
  });
  const none = parseFilters({ next: 'abc' });
  assert.ok(none.ok);
  assert.deepEqual(none.plan, { nextToken: 'abc', errorsOnly: false });
});

test('bad filters are problems to show, each said once, and the form keeps what was typed', () => {
  const parsed = parseFilters({
    username: 'a'.repeat(2001),
    start: '2026-12-04T12:00',
    end: '2026-12-04T11:00',
    'event-name': ['a', 'b'],
  });
  assert.equal(parsed.ok, false);
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.problems, [
    'The user name is too long: at most 2000 characters.',
    'The end time is before the start time.',
  ]);
  assert.equal(parsed.form.username.length, 2000);
  assert.equal(parsed.form.eventName, '');
  assert.equal(parsed.form.end, '2026-12-04T11:00');
  const garbage = parseFilters({ start: 'last tuesday' });
  assert.ok(!garbage.ok);
  assert.match(garbage.problems[0]!, /^The start time is not a date and time: use YYYY-MM-DDTHH:MM/);
});

test('a filtered view is a URL: the query string carries every filter and the page token', () => {
  const parsed = parseFilters({
    username: 'a&b',
    'event-name': 'X',
    start: '2026-12-04T11:00',
    errors: 'true',
  });
  assert.equal(filterQuery(parsed.form), '?username=a%26b&event-name=X&start=2026-12-04T11%3A00&errors=true');
  assert.equal(filterQuery(parseFilters({}).form, 't/1'), '?next=t%2F1');
  assert.equal(filterQuery(parseFilters({}).form), '');
});
