// Runs `portcullis <command>` as an operator would, in its own process (asynchronously: the tests
// keep driving a server while a command runs).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..', '..');

export interface CommandResult {
  readonly code: number;
  /** stdout and stderr together. */
  readonly output: string;
  readonly stdout: string;
  readonly stderr: string;
}

export function portcullis(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args],
      { cwd: repo, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, output: `${stdout}${stderr}`, stdout, stderr });
      },
    );
  });
}

/** A new master key in a file of its own (outside any data directory); returns its path. */
export function newKeyFile(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return file;
}
