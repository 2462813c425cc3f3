// The unmodified AWS CLI v2 runs `aws iam create-saml-provider` and `aws sts
// assume-role-with-saml` against the server, with no AWS credentials for the latter (the CLI
// sends it unsigned, as to AWS), and the credentials it prints work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startServer, type Server } from '../harness.ts';
import { TestIdp } from '../../support/saml-idp.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const account = ROOT.accountId;
let server: Server;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

interface CliResult {
  ok: boolean;
  json: Record<string, unknown>;
  stderr: string;
}

async function aws(credentials: Record<string, string>, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(AWS, ['--endpoint-url', server.url, '--output', 'json', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: server.dataDir,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
        ...credentials,
      },
    });
    return { ok: true, json: (stdout.trim() ? JSON.parse(stdout) : {}) as Record<string, unknown>, stderr };
  } catch (error) {
    const e = error as { stderr?: string };
    return { ok: false, json: {}, stderr: e.stderr ?? String(error) };
  }
}

const root = { AWS_ACCESS_KEY_ID: ROOT.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey };

test('the AWS CLI v2 creates a SAML provider and assumes a role with a SAML assertion', async () => {
  const version = await run(AWS, ['--version']);
  assert.match(version.stdout + version.stderr, /aws-cli\/2\./);

  const idp = new TestIdp();
  const metadataFile = join(server.dataDir, 'idp-metadata.xml');
  writeFileSync(metadataFile, idp.metadata());
  const provider = await aws(
    root,
    'iam',
    'create-saml-provider',
    '--name',
    'Corp',
    '--saml-metadata-document',
    `file://${metadataFile}`,
  );
  assert.ok(provider.ok, provider.stderr);
  const providerArn = provider.json.SAMLProviderArn as string;
  assert.equal(providerArn, `arn:aws:iam::${account}:saml-provider/Corp`);

  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithSAML',
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      },
    ],
  });
  const role = await aws(
    root,
    'iam',
    'create-role',
    '--role-name',
    'Engineers',
    '--assume-role-policy-document',
    trust,
  );
  assert.ok(role.ok, role.stderr);
  const roleArn = `arn:aws:iam::${account}:role/Engineers`;

  const assertion = idp.response({
    roles: [`${roleArn},${providerArn}`],
    roleSessionName: 'carol',
    now: server.now(),
  });
  // As docs/federation-saml.md shows it: the SAMLResponse saved to a file, no credentials at all.
  const assertionFile = join(server.dataDir, 'assertion.b64');
  writeFileSync(assertionFile, assertion);
  const assumed = await aws(
    {},
    'sts',
    'assume-role-with-saml',
    '--role-arn',
    roleArn,
    '--principal-arn',
    providerArn,
    '--saml-assertion',
    `file://${assertionFile}`,
    '--duration-seconds',
    '3600',
  );
  assert.ok(assumed.ok, assumed.stderr);
  const user = assumed.json.AssumedRoleUser as { Arn: string };
  assert.equal(user.Arn, `arn:aws:sts::${account}:assumed-role/Engineers/carol`);
  assert.equal(assumed.json.SubjectType, 'persistent');
  assert.equal(assumed.json.Issuer, idp.entityId);
  const credentials = assumed.json.Credentials as Record<string, string>;

  const who = await aws(
    {
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey!,
      AWS_SESSION_TOKEN: credentials.SessionToken!,
    },
    'sts',
    'get-caller-identity',
  );
  assert.ok(who.ok, who.stderr);
  assert.equal(who.json.Arn, `arn:aws:sts::${account}:assumed-role/Engineers/carol`);

  // The same assertion again: refused, with AWS's shape of error.
  const replay = await aws(
    {},
    'sts',
    'assume-role-with-saml',
    '--role-arn',
    roleArn,
    '--principal-arn',
    providerArn,
    '--saml-assertion',
    assertion,
  );
  assert.equal(replay.ok, false);
  assert.match(
    replay.stderr,
    /An error occurred \(InvalidIdentityToken\) when calling the AssumeRoleWithSAML operation(?: \(reached max retries: \d+\))?: The SAML assertion has already been used\./,
  );
});
