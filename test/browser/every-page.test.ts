// Every page of the console, and every tab of an entity's page, in Chromium in both palettes: each
// answers 200, shows no error box and no "Page not found", and keeps its text and links at a 4.5:1
// contrast against the background it sits on (WCAG 2 AA). Each page is pictured, light and dark, as
// console-<name>-<scheme>.png (docs/screenshots with PORTCULLIS_SCREENSHOTS=1: browser.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { startServer, type Server } from '../e2e/harness.ts';
import { type Browser, contrast, launchBrowser, rgb, screenshotPath, signInRoot } from './browser.ts';

let server: Server;
let policyArn: string;
const browsers: Browser[] = [];

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'dev', Tags: [{ Key: 'team', Value: 'web' }] }));
  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ops',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ReadUsers',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }],
      }),
    }),
  );
  policyArn = created.Policy!.Arn!;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'dev', PolicyArn: policyArn }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: policyArn }));
});
after(async () => {
  for (const browser of browsers) await browser.close();
  await server?.stop();
});

/** The pages, by a short name (the screenshot's, where one is taken). */
function pages(): readonly (readonly [string, string])[] {
  const policy = `/console/admin/policies/view?arn=${encodeURIComponent(policyArn)}`;
  return [
    ['dashboard', '/console'],
    ['access-management', '/console/admin'],
    ['users', '/console/admin/users'],
    ...['permissions', 'groups', 'tags', 'security-credentials', 'access-advisor'].map(
      (tab) => [`user-${tab}`, `/console/admin/users/dev?tab=${tab}`] as const,
    ),
    ['groups', '/console/admin/groups'],
    ...['users', 'permissions', 'access-advisor'].map(
      (tab) => [`group-${tab}`, `/console/admin/groups/devs?tab=${tab}`] as const,
    ),
    ['roles', '/console/admin/roles'],
    ...['permissions', 'trust-relationships', 'tags', 'instance-profiles', 'access-advisor'].map(
      (tab) => [`role-${tab}`, `/console/admin/roles/ops?tab=${tab}`] as const,
    ),
    ['policies', '/console/admin/policies'],
    ...['permissions', 'entities-attached', 'tags', 'versions', 'access-advisor'].map(
      (tab) => [`policy-${tab}`, `${policy}&tab=${tab}`] as const,
    ),
    ['identity-providers', '/console/admin/identity-providers'],
    ['credential-report', '/console/admin/credential-report'],
    ['simulator', '/console/admin/simulator'],
    ['account-settings', '/console/admin/account-settings'],
    ['organization', '/console/organization'],
    ['event-history', '/console/event-history'],
    ['security-credentials', '/console/security-credentials'],
    ['switch-role', '/console/switch-role'],
  ];
}

/** The pages pictured: every page, with one tab of each entity's (the tab most people come for). */
const PICTURED = new Set([
  'dashboard',
  'users',
  'user-security-credentials',
  'user-access-advisor',
  'groups',
  'group-users',
  'roles',
  'role-trust-relationships',
  'policies',
  'policy-permissions',
  'identity-providers',
  'credential-report',
  'simulator',
  'account-settings',
  'organization',
  'event-history',
  'security-credentials',
  'switch-role',
]);

/**
 * Each text element of the page's main part with its colour and the background it sits on (the
 * nearest ancestor's that is not transparent). A string, not a function: the page runs it as written.
 */
async function textColours(page: Page): Promise<[string, string, string][]> {
  return page.evaluate<[string, string, string][]>(`(() => {
    const backgroundOf = (e) => {
      for (let at = e; at; at = at.parentElement) {
        const colour = getComputedStyle(at).backgroundColor;
        if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
      }
      return 'rgb(255, 255, 255)';
    };
    const texts = [];
    for (const e of document.querySelectorAll('main :is(p, dt, dd, td, th, a, label, h1, h2, li)')) {
      if (e.closest('.alert, button') || !(e.textContent || '').trim()) continue;
      texts.push([getComputedStyle(e).color, backgroundOf(e), e.tagName + ': ' + e.textContent.trim().slice(0, 40)]);
    }
    return texts;
  })()`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every console page and tab, in the ${scheme} palette, answers and keeps a 4.5:1 contrast`, async () => {
    const browser = await launchBrowser({ javaScript: false });
    browsers.push(browser);
    const page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await signInRoot(page, server.url);

    for (const [name, path] of pages()) {
      const response = await page.goto(`${server.url}${path}`);
      assert.equal(
        response?.status(),
        200,
        `${name}: ${path} answered ${response?.status()}: ${(await page.textContent('main'))?.slice(0, 200)}`,
      );
      // A tab the page does not have would show its first tab instead: the one asked for is shown.
      const tab = /[?&]tab=([a-z-]+)/.exec(path)?.[1];
      if (tab)
        assert.equal(
          await page.locator('[role=tab][aria-selected=true]').getAttribute('id'),
          `tab-${tab}`,
          name,
        );
      const errors = await page.locator('.alert.error:visible').allTextContents();
      assert.deepEqual(errors, [], `${name}: no error box`);
      assert.doesNotMatch(await page.title(), /not found/i, name);
      const texts = await textColours(page);
      assert.ok(texts.length > 0, `${name}: some text`);
      for (const [color, background, what] of texts) {
        const ratio = contrast(rgb(color), rgb(background));
        assert.ok(ratio >= 4.5, `${name} (${scheme}): ${what} at ${ratio.toFixed(2)}:1`);
      }
      if (PICTURED.has(name))
        await page.screenshot({ path: screenshotPath(`console-${name}-${scheme}.png`), fullPage: true });
    }
  });
}
