// The unmodified AWS CLI v2 (Debian's awscli, installed by .ci/run) against a fresh server:
// a group with an AWS managed policy, a user in it, an access key, and that user's calls allowed
// and denied as the policies say.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT, startServer, type Credentials, type Server } from '../harness.ts';

const run = promisify(execFile);
// Debian's awscli package (the CLI v2; .ci/run installs it): a missing CLI fails these tests, it
// does not skip them.
const AWS = ['/usr/bin/aws', '/usr/local/bin/aws'].find((path) => existsSync(path)) ?? '/usr/bin/aws';
let server: Server;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** The parts of the CLI's JSON output the test reads. */
interface CliOutput {
  AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  Arn: string;
  Users: { UserName: string }[];
  AttachedPolicies: { PolicyName: string }[];
}

async function aws(
  credentials: Credentials,
  ...args: string[]
): Promise<{ ok: boolean; json: CliOutput; stderr: string }> {
  try {
    const { stdout, stderr } = await run(AWS, ['--endpoint-url', server.url, '--output', 'json', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: server.dataDir,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    return { ok: true, json: (stdout.trim() ? JSON.parse(stdout) : {}) as CliOutput, stderr };
  } catch (error) {
    const e = error as { stderr?: string };
    return { ok: false, json: {} as CliOutput, stderr: e.stderr ?? String(error) };
  }
}

test('the AWS CLI v2 manages a group, a user and a key, and the user is allowed and denied as policies say', async () => {
  const version = await run(AWS, ['--version']);
  assert.match(version.stdout + version.stderr, /aws-cli\/2\./);

  assert.ok((await aws(ROOT, 'iam', 'create-group', '--group-name', 'readers')).ok);
  const attach = await aws(
    ROOT,
    'iam',
    'attach-group-policy',
    '--group-name',
    'readers',
    '--policy-arn',
    'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
  );
  assert.ok(attach.ok, attach.stderr);
  assert.ok((await aws(ROOT, 'iam', 'create-user', '--user-name', 'carol')).ok);
  assert.ok(
    (await aws(ROOT, 'iam', 'add-user-to-group', '--group-name', 'readers', '--user-name', 'carol')).ok,
  );
  const key = await aws(ROOT, 'iam', 'create-access-key', '--user-name', 'carol');
  assert.ok(key.ok, key.stderr);
  const carol = {
    accessKeyId: key.json.AccessKey.AccessKeyId,
    secretAccessKey: key.json.AccessKey.SecretAccessKey,
  };

  const who = await aws(carol, 'sts', 'get-caller-identity');
  assert.equal(who.json.Arn, `arn:aws:iam::${ROOT.accountId}:user/carol`);

  const listed = await aws(carol, 'iam', 'list-users');
  assert.ok(listed.ok, listed.stderr);
  assert.ok(listed.json.Users.some((u: { UserName: string }) => u.UserName === 'carol'));

  const denied = await aws(carol, 'iam', 'create-user', '--user-name', 'mallory');
  assert.equal(denied.ok, false);
  assert.match(
    denied.stderr,
    new RegExp(
      `An error occurred \\(AccessDenied\\) when calling the CreateUser operation(?: \\(reached max retries: \\d+\\))?: User: arn:aws:iam::${ROOT.accountId}:user/carol is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ROOT.accountId}:user/mallory because no identity-based policy allows the iam:CreateUser action`,
    ),
  );

  const groups = await aws(ROOT, 'iam', 'list-attached-group-policies', '--group-name', 'readers');
  assert.deepEqual(
    groups.json.AttachedPolicies.map((p: { PolicyName: string }) => p.PolicyName),
    ['IAMReadOnlyAccess'],
  );
});
