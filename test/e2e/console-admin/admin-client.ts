// Helpers for the administration pages' tests, on top of the console tests' fetch client.
import assert from 'node:assert/strict';
import { ROOT, type Server } from '../harness.ts';
import { ConsoleClient, signIn, signInRoot, visibleText, type Page } from '../console/client.ts';

export { ConsoleClient, visibleText, type Page };

/** A console client signed in as the root user, on the dashboard. */
export async function rootClient(server: Server): Promise<ConsoleClient> {
  const client = new ConsoleClient(server.url);
  const page = await signInRoot(client, ROOT.email, ROOT.password);
  assert.equal(page.status, 200, visibleText(page.text).slice(0, 300));
  return client;
}

export async function userClient(server: Server, userName: string, password: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(server.url);
  const page = await signIn(client, ROOT.accountId, userName, password);
  assert.equal(page.status, 200, visibleText(page.text).slice(0, 300));
  return client;
}

/**
 * Submits a form as a browser would after a page load: GETs `from` (for a fresh CSRF token), POSTs,
 * and follows the redirect. Returns the final page and the POST's own response.
 */
export async function submit(
  client: ConsoleClient,
  from: string,
  action: string,
  fields: Record<string, string>,
): Promise<{ posted: Page; page: Page }> {
  await client.get(from);
  const posted = await client.post(action, fields);
  const page = posted.location ? await client.follow(posted) : posted;
  return { posted, page };
}

/** The text of the first error box on a page (what a screen reader announces). */
export function errorText(page: Page): string {
  const match = /<div class="alert error" role="alert">([\s\S]*?)<\/div>/.exec(page.text);
  return match ? visibleText(match[1]!) : '';
}

export function noticeText(page: Page): string {
  const match = /<div class="alert success" role="status">([\s\S]*?)<\/div>/.exec(page.text);
  return match ? visibleText(match[1]!) : '';
}

/** The raw (still escaped) content of a textarea, without the newline the markup starts it with. */
export function textareaOf(page: Page, id: string): string | undefined {
  const match = new RegExp(`<textarea[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(page.text);
  return match ? match[1]!.replace(/^\r?\n/, '') : undefined;
}

export function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}

/** The HTML of the section whose heading has this id. */
export function sectionOf(page: Page, headingId: string): string {
  const match = new RegExp(`<section aria-labelledby="${headingId}">([\\s\\S]*?)</section>`).exec(page.text);
  return match ? match[1]! : '';
}

/**
 * The refusal shown beside the editor (textarea) `id`: its text, when the editor is marked invalid
 * and described by it; '' otherwise.
 */
export function editorError(page: Page, id: string): string {
  const box = new RegExp(
    `<div class="field-problem" id="${id}-error">\\s*<div class="alert error" role="alert">([\\s\\S]*?)</div>`,
  ).exec(page.text);
  const editor = new RegExp(`<textarea[^>]*\\bid="${id}"[^>]*>`).exec(page.text)?.[0] ?? '';
  const described = new RegExp(`aria-describedby="[^"]*\\b${id}-error\\b`).test(editor);
  return box && described && /aria-invalid="true"/.test(editor) ? visibleText(box[1]!) : '';
}
