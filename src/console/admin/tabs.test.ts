import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html } from '../html.ts';
import { chosenTab, tabUrl, tabbed } from './tabs.ts';

const TABS = [
  { id: 'permissions', label: 'Permissions' },
  { id: 'security-credentials', label: 'Security credentials' },
];

test('the tab asked for is shown when the page has it, else the first', () => {
  assert.equal(chosenTab(TABS, 'security-credentials'), 'security-credentials');
  assert.equal(chosenTab(TABS, undefined), 'permissions');
  assert.equal(chosenTab(TABS, '<script>'), 'permissions');
});

test("a tab's address keeps the page's own query and adds the notice after an action", () => {
  assert.equal(tabUrl('/console/admin/users/a%2Bb', 'groups'), '/console/admin/users/a%2Bb?tab=groups');
  assert.equal(
    tabUrl('/console/admin/policies/view?arn=arn%3Ax', 'versions', 'version-deleted'),
    '/console/admin/policies/view?arn=arn%3Ax&tab=versions&notice=version-deleted',
  );
});

test('the tab list marks the chosen tab and labels the panel with it', () => {
  const markup = tabbed({
    base: '/console/admin/users/dana',
    tabs: TABS,
    current: 'security-credentials',
    label: 'User dana',
    panel: html`<p>keys</p>`,
  }).toString();
  assert.match(markup, /<nav class="tabs" aria-label="User dana">\s*<ul role="tablist">/);
  assert.match(
    markup,
    /id="tab-permissions"\s+href="\/console\/admin\/users\/dana\?tab=permissions"\s+aria-selected="false"/,
  );
  assert.match(
    markup,
    /id="tab-security-credentials"\s+href="[^"]+\?tab=security-credentials"\s+aria-selected="true"\s+aria-controls="tab-panel" aria-current="page"/,
  );
  assert.match(
    markup,
    /<div role="tabpanel" id="tab-panel" aria-labelledby="tab-security-credentials"[^>]*>\s*<p>keys<\/p>/,
  );
});
