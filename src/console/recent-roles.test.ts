import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_RECENT_ROLES,
  parseRecentRoles,
  serializeRecentRoles,
  withRecentRole,
  type RecentRole,
} from './recent-roles.ts';

const role = (n: number, extra: Partial<RecentRole> = {}): RecentRole => ({
  account: `11112222333${n}`,
  roleName: `Role${n}`,
  displayName: `Role ${n}`,
  color: 'blue',
  ...extra,
});

test('the history keeps the newest first, one entry per account and role, five at most', () => {
  let history: RecentRole[] = [];
  for (let n = 0; n < 7; n++) history = withRecentRole(history, role(n));
  assert.equal(history.length, MAX_RECENT_ROLES);
  assert.deepEqual(
    history.map((r) => r.roleName),
    ['Role6', 'Role5', 'Role4', 'Role3', 'Role2'],
  );
  // Switching again to a role in the history moves it to the front with its new display settings.
  history = withRecentRole(history, role(3, { displayName: 'Again', color: 'red' }));
  assert.deepEqual(
    history.map((r) => [r.roleName, r.displayName, r.color]),
    [
      ['Role3', 'Again', 'red'],
      ['Role6', 'Role 6', 'blue'],
      ['Role5', 'Role 5', 'blue'],
      ['Role4', 'Role 4', 'blue'],
      ['Role2', 'Role 2', 'blue'],
    ],
  );
});

test('a cookie round-trips, and an alias and a role path are kept', () => {
  const history = [role(1), role(2, { account: 'workloads-b', roleName: 'team/Admin' })];
  assert.deepEqual(parseRecentRoles(serializeRecentRoles(history)), history);
});

test('what the browser sends back is checked: malformed entries and cookies are dropped', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  assert.deepEqual(parseRecentRoles(undefined), []);
  assert.deepEqual(parseRecentRoles('not base64 json'), []);
  assert.deepEqual(parseRecentRoles(encode({ account: '111122223333' })), []);
  const good = role(1);
  const parsed = parseRecentRoles(
    encode([
      good,
      { ...good, account: '1' },
      { ...good, account: 'Upper-Case' },
      { ...good, roleName: 'has space' },
      { ...good, color: 'purple' },
      { ...good, displayName: '' },
      { ...good, displayName: 'x'.repeat(65) },
      { ...good, displayName: 'line\nbreak' },
      { ...good, extra: '<script>' },
    ]),
  );
  // The last entry is kept without what it should not carry.
  assert.deepEqual(parsed, [good, good]);
  assert.deepEqual(parseRecentRoles('A'.repeat(5000)), []);
  assert.deepEqual(parseRecentRoles(encode(Array.from({ length: 9 }, () => good))).length, MAX_RECENT_ROLES);
});
