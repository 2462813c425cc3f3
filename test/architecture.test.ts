// The import table of docs/architecture.md, checked: dependencies point inward, and the policy
// engine imports nothing outside itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** Which top-level folders of src/ each folder may import (besides itself). */
const allowed: Record<string, readonly string[]> = {
  policy: [],
  crypto: [],
  http: [],
  domain: ['policy', 'crypto', 'lint', 'audit'],
  storage: ['domain'],
  protocols: ['domain', 'crypto', 'policy', 'http'],
  console: ['domain', 'crypto', 'policy', 'http'],
  audit: ['policy', 'lint'],
  lint: ['policy'],
  cli: ['policy', 'audit', 'lint', 'app.ts', 'config.ts'],
  observability: ['domain', 'protocols', 'crypto', 'http'],
};
/** Packages only one folder may import: the metrics library is observability's alone. */
const packageOwners: Record<string, string> = { 'prom-client': 'observability' };
/** The pure folders: they import no package, not even a node built-in. */
const pure = new Set(['policy', 'audit', 'lint']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
}

test('each folder of src/ imports only the folders the architecture allows', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const folder = relative(src, file).split('/')[0]!;
    const rules = allowed[folder];
    if (!rules) continue; // app.ts and config.ts may import everything
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith('.')) {
        if (pure.has(folder)) violations.push(`${relative(root, file)} imports package ${specifier}`);
        const owner = packageOwners[specifier];
        if (owner !== undefined && owner !== folder)
          violations.push(`${relative(root, file)} imports package ${specifier}`);
        continue;
      }
      const target = relative(src, resolve(dirname(file), specifier)).split('/')[0]!;
      if (target !== folder && !rules.includes(target))
        violations.push(`${relative(root, file)} imports ${specifier}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the console and the protocols reach the store only through the domain operations', () => {
  // The console calls the same operations as the API; neither opens transactions nor names tables.
  const storage = new Set([join(src, 'domain', 'store.ts'), join(src, 'domain', 'tables.ts')]);
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const folder = relative(src, file).split('/')[0]!;
    if (folder !== 'console' && folder !== 'protocols') continue;
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.') && storage.has(resolve(dirname(file), specifier)))
        violations.push(`${relative(root, file)} imports ${specifier}`);
    }
    if (/\.store\.(read|write)\(/.test(readFileSync(file, 'utf8')))
      violations.push(`${relative(root, file)} opens a store transaction`);
  }
  assert.deepEqual(violations, []);
});
