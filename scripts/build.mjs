#!/usr/bin/env node
// Compiles src/ into dist/ and copies the data files the code reads at run time beside it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

for (const asset of [
  'storage/aws-managed-policies.json.gz',
  'storage/aws-managed-policy-versions.br',
  'storage/service-linked-roles.json',
]) {
  mkdirSync(dirname(`dist/${asset}`), { recursive: true });
  copyFileSync(`src/${asset}`, `dist/${asset}`);
}
