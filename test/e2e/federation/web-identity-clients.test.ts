// The tools people run against AssumeRoleWithWebIdentity, unmodified: the AWS CLI v2's
// `sts assume-role-with-web-identity`, and a process whose SDK v3 default credential chain reads
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (as on a GitHub runner or a Kubernetes pod). Also: an
// issuer whose CA the server's system trust store holds needs no thumbprint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ROOT, startServer, type Server } from '../harness.ts';
import { startOidcIssuer, type OidcIssuer } from '../../support/oidc-issuer.ts';

const run = promisify(execFile);
// The AWS CLI v2 that .ci/run installs from Debian: required, never skipped for (a v1 earlier on
// PATH is not the tool under test).
const AWS = '/usr/bin/aws';
const ACCOUNT = ROOT.accountId;
const AUDIENCE = 'sts.amazonaws.com';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ci`;

let server: Server;
let issuer: OidcIssuer;
let dir: string;

async function token(sub = 'system:serviceaccount:ci:runner'): Promise<string> {
  const now = Math.floor(server.now() / 1000);
  return issuer.mint({ sub, aud: AUDIENCE, iat: now, exp: now + 300 });
}

async function setUp(s: Server, thumbprints: string[]): Promise<void> {
  const iam = s.iam();
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: issuer.url,
      ClientIDList: [AUDIENCE],
      ThumbprintList: thumbprints,
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ci',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer.host}` },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`${issuer.host}:sub`]: 'system:serviceaccount:ci:runner' } },
          },
        ],
      }),
    }),
  );
}

before(async () => {
  [server, issuer] = await Promise.all([startServer(), startOidcIssuer()]);
  dir = mkdtempSync(join(tmpdir(), 'portcullis-webid-'));
  await setUp(server, [issuer.caThumbprint]);
});
after(async () => {
  await server?.stop();
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A child's environment with nothing of this process's AWS settings. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: dir, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', ...extra };
}

test('the AWS CLI v2 assumes the role with a web identity token, unsigned', async () => {
  const version = await run(AWS, ['--version']);
  assert.match(version.stdout + version.stderr, /aws-cli\/2\./);
  const args = ['--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'];
  const { stdout } = await run(
    AWS,
    [...args, 'sts', 'assume-role-with-web-identity', '--role-arn', ROLE_ARN].concat([
      '--role-session-name',
      'cli',
      '--web-identity-token',
      await token(),
    ]),
    { env: cleanEnv({}) },
  );
  const out = JSON.parse(stdout) as {
    Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    AssumedRoleUser: { Arn: string };
    SubjectFromWebIdentityToken: string;
    Provider: string;
    Audience: string;
  };
  assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ci/cli`);
  assert.equal(out.SubjectFromWebIdentityToken, 'system:serviceaccount:ci:runner');
  assert.equal(out.Provider, `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer.host}`);
  assert.equal(out.Audience, AUDIENCE);
  // The credentials work for the CLI too.
  const whoami = await run(AWS, [...args, 'sts', 'get-caller-identity'], {
    env: cleanEnv({
      AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: out.Credentials.SessionToken,
    }),
  });
  assert.equal(
    (JSON.parse(whoami.stdout) as { Arn: string }).Arn,
    `arn:aws:sts::${ACCOUNT}:assumed-role/ci/cli`,
  );

  // A refused token is the CLI's error, with STS's code.
  const refused = await run(
    AWS,
    [...args, 'sts', 'assume-role-with-web-identity', '--role-arn', ROLE_ARN].concat([
      '--role-session-name',
      'cli',
      '--web-identity-token',
      await token('system:serviceaccount:x:y'),
    ]),
    { env: cleanEnv({}) },
  ).then(
    () => assert.fail('the CLI should have failed'),
    (error: { stderr: string }) => error.stderr,
  );
  assert.match(refused, /\(AccessDenied\).*Not authorized to perform sts:AssumeRoleWithWebIdentity/);
});

test("a process's SDK v3 default chain gets credentials from AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN", async () => {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, await token(), { mode: 0o600 });
  const script = join(dir, 'whoami.mjs');
  // The child resolves the SDK from this repository's node_modules.
  const sdk = (name: string) => JSON.stringify(import.meta.resolve(name));
  writeFileSync(
    script,
    `import { STSClient, GetCallerIdentityCommand } from ${sdk('@aws-sdk/client-sts')};\n` +
      `const sts = new STSClient({});\n` +
      `const me = await sts.send(new GetCallerIdentityCommand({}));\n` +
      `process.stdout.write(JSON.stringify({ Arn: me.Arn }));\n`,
  );
  const { stdout } = await run(process.execPath, [script], {
    env: cleanEnv({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_STS: server.url,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_ROLE_SESSION_NAME: 'pod-1',
    }),
  });
  assert.equal((JSON.parse(stdout) as { Arn: string }).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ci/pod-1`);
});

test('an issuer whose certificate the system trust store vouches for needs no matching thumbprint', async () => {
  const trusting = await startServer({ env: { NODE_EXTRA_CA_CERTS: issuer.caFile } });
  try {
    await setUp(trusting, ['0'.repeat(40)]);
    const sts = new STSClient({
      endpoint: trusting.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: () => Promise.reject(new Error('no credentials needed')),
    });
    const got = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: ROLE_ARN,
        RoleSessionName: 'trusted',
        WebIdentityToken: await token(),
      }),
    );
    sts.destroy();
    assert.equal(got.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ci/trusted`);
  } finally {
    await trusting.stop();
  }
});
