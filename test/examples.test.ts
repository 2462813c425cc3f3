// The README's example of portcullis/policy runs as published (through the package's own
// exports map, from the built dist/) and prints what the README says it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');

test('examples/policy-quickstart.mjs prints the output shown in the README', () => {
  const output = execFileSync(process.execPath, ['examples/policy-quickstart.mjs'], {
    cwd: repo,
    encoding: 'utf8',
  });
  const readme = readFileSync(resolve(repo, 'README.md'), 'utf8');
  const shown = /\nprints\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(shown, 'the README shows the example output after "prints"');
  assert.equal(output, shown);
});
