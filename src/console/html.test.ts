import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html, trustedHtml, escapeHtml, layout, field, deniedBox } from './html.ts';

test('every interpolation is escaped, in text and in attributes', () => {
  const evil = `"><script>alert('x')</script>&\``;
  const out = html`<p title="${evil}">${evil}</p>`.toString();
  assert.equal(
    out,
    '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</p>',
  );
});

test('nested templates and lists keep their markup; their values stay escaped', () => {
  const items = ['<a>', 'b&c'].map((v) => html`<li>${v}</li>`);
  const list = html`<ul>
    ${items}
  </ul>`;
  assert.equal(list.toString().replace(/>\s+</g, '><'), '<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>');
  assert.equal(html`${null}${undefined}${false}${0}`.toString(), '0');
});

test('only trustedHtml bypasses escaping, and a plain object cannot pose as Html', () => {
  assert.equal(html`${trustedHtml('<br />')}`.toString(), '<br />');
  const fake = { toString: () => '<script>' } as unknown as string;
  assert.equal(html`${fake}`.toString(), '&lt;script&gt;');
  assert.equal(escapeHtml('<>&"\'`'), '&lt;&gt;&amp;&quot;&#39;&#96;');
});

test('the layout labels fields, escapes titles and AWS messages, and has no inline script', () => {
  const page = layout({
    title: '<b>Title</b>',
    body: html`${field({ id: 'name', label: 'User name <required>' })}
    ${deniedBox('User: <x> is not authorized')}`,
  }).toString();
  assert.match(page, /<title>&lt;b&gt;Title&lt;\/b&gt; · Portcullis<\/title>/);
  assert.match(page, /<label for="name">User name &lt;required&gt;<\/label>/);
  assert.match(page, /User: &lt;x&gt; is not authorized/);
  assert.doesNotMatch(page, /<script/);
});

test('every trustedHtml call in the console takes a string literal, never a computed value', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
    }
  };
  walk(import.meta.dirname);
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/trustedHtml\(([^)]*)\)/g)) {
      // Its definition, and the mentions in its own comment and error message.
      if (['markup: string', '...', ''].includes(match[1]!)) continue;
      assert.match(match[1]!, /^'[^'$`]*'$/, `${file}: trustedHtml(${match[1]})`);
    }
  }
});
