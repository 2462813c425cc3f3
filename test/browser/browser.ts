// Debian's Chromium driven by playwright-core, for the console's browser tests: headless, a fresh
// empty profile per launch, nothing fetched from the network but the server under test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../e2e/harness.ts';

export const CHROMIUM = process.env.PORTCULLIS_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** `javaScript: false` runs the console as a browser with scripts turned off would. */
export async function launchBrowser(options: { javaScript?: boolean } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'portcullis-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    javaScriptEnabled: options.javaScript ?? true,
    viewport: { width: 1024, height: 720 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type Rgb = readonly [number, number, number];

/** A CSS colour as computed ("rgb(…)" or "rgba(…)"), as red, green and blue. */
export function rgb(css: string): Rgb {
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(css);
  if (!m) throw new Error(`not a colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** WCAG 2's contrast ratio between two colours. */
export function contrast(a: Rgb, b: Rgb): number {
  const luminance = ([r, g, b]: Rgb) => {
    const [R, G, B] = [r, g, b].map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R! + 0.7152 * G! + 0.0722 * B!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * Where a test saves the screenshot `file`: docs/screenshots/ when PORTCULLIS_SCREENSHOTS=1 (to
 * refresh the README's pictures on purpose), a throw-away folder otherwise — the picture is still
 * taken, but an ordinary test run leaves the working tree as it was.
 */
export function screenshotPath(file: string): string {
  return join(process.env.PORTCULLIS_SCREENSHOTS === '1' ? DOCS_SCREENSHOTS : scratch(), file);
}

const DOCS_SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
let scratchDir: string | undefined;
function scratch(): string {
  if (!scratchDir) {
    scratchDir = mkdtempSync(join(tmpdir(), 'portcullis-screenshots-'));
    const made = scratchDir;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  mkdirSync(scratchDir, { recursive: true });
  return scratchDir;
}

/** Signs `page` in as the account's root user (the harness's) on the server at `serverUrl`. */
export async function signInRoot(page: Page, serverUrl: string): Promise<void> {
  await page.goto(`${serverUrl}/console/root-signin`);
  await page.getByLabel('Root user email address').fill(ROOT.email);
  await page.getByLabel('Password').fill(ROOT.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console$/);
}
