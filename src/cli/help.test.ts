import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { VARIABLES } from '../config.ts';
import { COMMANDS, LINT_OPTIONS, SETTING_HELP } from './help.ts';

const main = join(import.meta.dirname, 'main.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', timeout: 60_000 });

test('every setting config.ts reads has a description in serve --help', () => {
  assert.deepEqual(
    VARIABLES.filter((name) => !SETTING_HELP[name]),
    [],
  );
});

test('serve --help names every setting as its flag and its environment variable, and starts nothing', () => {
  const result = run('serve', '--help');
  assert.equal(result.status, 0, result.stderr);
  for (const name of VARIABLES) {
    assert.ok(result.stdout.includes(`PORTCULLIS_${name}`), name);
    assert.ok(result.stdout.includes(`--${name.toLowerCase().replace(/_/g, '-')}`), name);
  }
  assert.doesNotMatch(result.stdout, /listening/);
});

test('--help and help list every command; each command has its own --help', () => {
  for (const args of [['--help'], ['help'], []]) {
    const result = run(...args);
    assert.equal(result.status, 0, args.join(' '));
    for (const command of Object.keys(COMMANDS))
      assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
  }
  for (const command of Object.keys(COMMANDS)) {
    for (const args of [
      [command, '--help'],
      [command, '-h'],
      ['help', command],
    ]) {
      const result = run(...args);
      assert.equal(result.status, 0, args.join(' '));
      assert.match(result.stdout, new RegExp(`^usage: portcullis ${command}`), args.join(' '));
    }
  }
});

test('an unknown command is an error that shows the commands', () => {
  const result = run('frobnicate');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /Unknown command: frobnicate/);
  assert.match(result.stderr, /serve/);
});

test('lint --help documents every option lint accepts, and lint refuses any other', () => {
  const help = run('lint', '--help');
  assert.equal(help.status, 0, help.stderr);
  for (const flag of Object.keys(LINT_OPTIONS)) assert.ok(help.stdout.includes(`  ${flag}\n`), flag);
  const unknown = run('lint', '--frobnicate', 'x', 'policy.json');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option --frobnicate/);
});
