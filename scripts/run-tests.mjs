#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's own test runner, TypeScript through tsx.
// Node 20's runner does not expand globs itself, so the files are found here.
//
// One throwaway PostgreSQL cluster serves the whole run: started here, its admin URL handed to the
// tests in PORTCULLIS_TEST_POSTGRES_URL (see test/support/postgres.ts), stopped when the runner ends.
// A URL already set in the environment is used as it is, and no cluster is started.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { startPostgresCluster } from '../test/support/postgres-cluster.mjs';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : ['src', 'test'].flatMap(findTests).sort();

// A Ctrl-C reaches the runner and this script alike (one process group); a signal sent to this script
// alone is passed on. Either way this script stays to stop the cluster once the runner has gone, then
// exits as the signal would have had it. A second signal kills the runner outright.
let runner;
let signalled;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    runner?.kill(signalled ? 'SIGKILL' : signal);
    signalled ??= signal;
  });
}

const env = { ...process.env };
let cluster;
if (!env.PORTCULLIS_TEST_POSTGRES_URL) {
  try {
    cluster = await startPostgresCluster();
  } catch (error) {
    console.error(`run-tests: could not start the tests' PostgreSQL cluster: ${error.message}`);
    process.exit(1);
  }
  env.PORTCULLIS_TEST_POSTGRES_URL = cluster.adminUrl;
}

let exitCode = 1;
if (!signalled) {
  runner = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env,
  });
  exitCode = await new Promise((resolve) => {
    runner.on('error', (error) => {
      console.error(`run-tests: could not start the test runner: ${error.message}`);
      resolve(1);
    });
    runner.on('exit', (code) => resolve(code ?? 1));
  });
}
await cluster?.stop();
process.exit(signalled ? 128 + constants.signals[signalled] : exitCode);
