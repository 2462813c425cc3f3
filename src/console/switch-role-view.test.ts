import { test } from 'node:test';
import assert from 'node:assert/strict';
import { switchedBanner } from './html.ts';
import { SWITCH_REFUSED, switchRoleBody } from './switch-role-view.ts';

const text = (markup: string) =>
  markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

test('the banner names the display name, role and account, in its colour, with Switch back as a POST', () => {
  const banner = switchedBanner(
    { displayName: '<b>Prod</b>', account: '111122223333', roleName: 'Admin', color: 'red' },
    'token',
  ).toString();
  assert.match(banner, /class="switched-role color-red"/);
  assert.match(banner, /&lt;b&gt;Prod&lt;\/b&gt;/);
  assert.doesNotMatch(banner, /<b>Prod/);
  assert.equal(
    text(banner),
    'Currently active as &lt;b&gt;Prod&lt;/b&gt; : role Admin in account 111122223333 Switch back',
  );
  assert.match(banner, /<form method="post" action="\/console\/switch-back">/);
  assert.match(banner, /name="csrf" value="token"/);
});

test("a refusal is shown in AWS's words with the reason beside it, and what was typed is kept", () => {
  const body = switchRoleBody({
    csrf: 't',
    draft: { account: '111122223333', 'role-name': 'Admin', 'display-name': 'Mine', color: 'green' },
    refused: {
      reason: 'User: arn:aws:iam::123456789012:user/ada is not authorized to perform: sts:AssumeRole',
    },
    recent: [],
    root: false,
  }).toString();
  assert.ok(body.includes(SWITCH_REFUSED));
  assert.match(body, /role="alert"/);
  assert.match(body, /not authorized to perform: sts:AssumeRole/);
  assert.match(body, /id="role-name"[^>]*value="Admin"|value="Admin"[^>]*id="role-name"/s);
  assert.match(body, /value="green"\s+checked/);
  assert.doesNotMatch(body, /Role history/);
});

test('the history offers each recent role as a one-click switch; the root user is told it cannot switch', () => {
  const body = switchRoleBody({
    csrf: 't',
    draft: {},
    recent: [{ account: 'workloads-b', roleName: 'Admin', displayName: 'B admin', color: 'blue' }],
    root: false,
  }).toString();
  assert.match(body, /Role history/);
  assert.match(body, /<input type="hidden" name="account" value="workloads-b" \/>/);
  assert.match(body, /B admin/);
  assert.match(body, /value="none"\s+checked/);

  const root = switchRoleBody({ csrf: 't', draft: {}, recent: [], root: true }).toString();
  assert.match(root, /cannot switch roles while signed in as the root user/);
  assert.doesNotMatch(root, /<form/);
});
