// Runs test/cli/mfa-story.sh, the seeds' MFA story driven by the unmodified AWS CLI v2 and
// oathtool (Debian packages awscli and oathtool, installed by .ci/run), against a fresh server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';

const AWS = '/usr/bin/aws';
const script = join(import.meta.dirname, 'mfa-story.sh');

function missingTool(): string | false {
  const aws = spawnSync(AWS, ['--version'], { encoding: 'utf8' });
  if (aws.error || !/^aws-cli\/2\./.test(`${aws.stdout}${aws.stderr}`))
    return `the AWS CLI v2 is not at ${AWS} (Debian package awscli; .ci/run installs it)`;
  const oathtool = spawnSync('oathtool', ['--version'], { encoding: 'utf8' });
  if (oathtool.error || oathtool.status !== 0)
    return 'oathtool is not installed (Debian package oathtool; .ci/run installs it)';
  return false;
}
const skip = missingTool();

let server: Server | undefined;
before(async () => {
  if (!skip) server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('the MFA story runs with the AWS CLI v2 and oathtool (test/cli/mfa-story.sh)', { skip }, async () => {
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = execFile(
      'bash',
      [script],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? server!.dataDir,
          TMPDIR: process.env.TMPDIR ?? '/tmp',
          PORTCULLIS_URL: server!.url,
          PORTCULLIS_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
          PORTCULLIS_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
          AWS_CLI: AWS,
        },
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr ? `\n--- stderr ---\n${stderr}` : ''}` });
      },
    );
    child.stdin?.end();
  });
  assert.equal(
    result.code,
    0,
    `mfa-story.sh exited with ${result.code}:\n${result.output}\n--- server output ---\n${server!.output()}`,
  );
});
