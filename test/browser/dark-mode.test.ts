// The console follows the system's colour setting (prefers-color-scheme), in Chromium: the same
// pages in a light and in a dark palette, each keeping text, links, errors and form fields at a
// 4.5:1 contrast or more against what they sit on (WCAG 2's AA level for normal text). The dark
// dashboard's screenshot is taken (for docs/screenshots: browser.ts, screenshotPath).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, contrast, launchBrowser, rgb, screenshotPath } from './browser.ts';

let server: Server;
const browsers: Browser[] = [];

before(async () => {
  server = await startServer();
});
after(async () => {
  for (const browser of browsers) await browser.close();
  await server?.stop();
});

/** A computed style property of the first element a selector finds ("" if none), read in the page. */
function computed(page: Page, selector: string, property: string): Promise<string> {
  // A string, not a function: the page runs it as written (tsx would wrap a function's helpers).
  return page.evaluate<string>(
    `(() => { const e = document.querySelector(${JSON.stringify(selector)}); return e ? getComputedStyle(e).${property} : ''; })()`,
  );
}

async function colours(page: Page) {
  return {
    body: await computed(page, 'body', 'backgroundColor'),
    text: await computed(page, 'body', 'color'),
    surface:
      (await computed(page, 'section', 'backgroundColor')) ||
      (await computed(page, 'form', 'backgroundColor')),
    link: await computed(page, 'main a', 'color'),
    input: await computed(page, 'input:not([type=hidden])', 'backgroundColor'),
    inputText: await computed(page, 'input:not([type=hidden])', 'color'),
  };
}

for (const scheme of ['light', 'dark'] as const) {
  test(`in the ${scheme} palette, text, links and fields keep a 4.5:1 contrast`, async () => {
    // A browser of its own: signed out, whatever the other scheme's test did.
    const browser = await launchBrowser({ javaScript: false });
    browsers.push(browser);
    const page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${server.url}/console/root-signin`);
    const signIn = await colours(page);
    const dark = contrast(rgb(signIn.body), [0, 0, 0]) < contrast(rgb(signIn.body), [255, 255, 255]);
    assert.equal(dark, scheme === 'dark', `the page's background ${signIn.body} in the ${scheme} scheme`);
    assert.ok(contrast(rgb(signIn.text), rgb(signIn.body)) >= 4.5, 'body text');
    assert.ok(contrast(rgb(signIn.inputText), rgb(signIn.input)) >= 4.5, 'text typed in a field');

    await page.getByLabel('Root user email address').fill(ROOT.email);
    await page.getByLabel('Password').fill(ROOT.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console$/);
    const dashboard = await colours(page);
    assert.ok(contrast(rgb(dashboard.text), rgb(dashboard.surface)) >= 4.5, 'text on a section');
    assert.ok(contrast(rgb(dashboard.link), rgb(dashboard.surface)) >= 4.5, 'a link on a section');
    // The light one is the MFA story's dashboard.png.
    if (scheme === 'dark') await page.screenshot({ path: screenshotPath('dashboard-dark.png') });

    // An error, as a refused form shows it.
    await page.goto(`${server.url}/console/admin/users`);
    await page.getByLabel('User name').fill('no spaces allowed');
    await page.getByRole('button', { name: 'Create user' }).click();
    // The refusal is a new page: read its colours once it is there, not the form's as it leaves.
    await page.locator('.alert.error').waitFor();
    const error = await computed(page, '.alert.error', 'borderLeftColor');
    const surface = await computed(page, 'section', 'backgroundColor');
    assert.ok(contrast(rgb(error), rgb(surface)) >= 3, 'the error marker against the page (a graphic: 3:1)');
  });
}
