// HTTPS from PEM files: the SDK (trusting the throw-away CA through its https agent) and the AWS
// CLI v2 (AWS_CA_BUNDLE) call over TLS, keep-alive as over HTTP, aws:SecureTransport is true; and a
// long-term key sent with a session token is refused as AWS refuses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:https';
import { promisify } from 'node:util';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { throwAwayCertificate, type Certificate } from './certificate.ts';

const run = promisify(execFile);
let certificate: Certificate;
let server: Server;
let agent: Agent;

function settings(credentials: Credentials) {
  return {
    endpoint: server.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    // The SDK builds its Node handler from these options: this agent trusts the throw-away CA.
    requestHandler: { httpsAgent: agent },
  };
}

before(async () => {
  certificate = throwAwayCertificate();
  server = await startServer({
    env: { PORTCULLIS_TLS_CERT: certificate.certFile, PORTCULLIS_TLS_KEY: certificate.keyFile },
  });
  agent = new Agent({ ca: certificate.cert, keepAlive: true });
});

after(async () => {
  agent.destroy();
  await server.stop();
});

test('the server says it listens on https', () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
});

test('the SDK calls IAM and STS over TLS; aws:SecureTransport is true', async () => {
  const iam = new IAMClient(settings(ROOT));
  const root = await iam.send(new GetUserCommand({}));
  assert.equal(root.User?.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
  await iam.send(new CreateUserCommand({ UserName: 'tls-only' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'tls-only',
      PolicyName: 'tls-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:GetUser',
            Resource: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'true' } },
          },
        ],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'tls-only' }))).AccessKey!;
  const user = new IAMClient(
    settings({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }),
  );
  const found = await user.send(new GetUserCommand({}));
  assert.equal(found.User?.UserName, 'tls-only');
  const sts = new STSClient(settings(ROOT));
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, ROOT.accountId);
  for (const client of [iam, user, sts]) client.destroy();
});

test('connections are kept alive over TLS', async () => {
  const get = () =>
    new Promise<boolean>((resolve, reject) => {
      const req = request(`${server.url}/_portcullis/health`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.reusedSocket));
      });
      req.on('error', reject);
      req.end();
    });
  await get();
  assert.equal(await get(), true);
});

test('the AWS CLI v2 calls over TLS with AWS_CA_BUNDLE', async () => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: server.dataDir,
    AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CA_BUNDLE: certificate.certFile,
    AWS_MAX_ATTEMPTS: '1',
  };
  const { stdout } = await run(
    '/usr/bin/aws',
    ['--endpoint-url', server.url, 'iam', 'get-user', '--output', 'json'],
    {
      env,
    },
  );
  assert.equal(JSON.parse(stdout).User.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
  const identity = await run(
    '/usr/bin/aws',
    ['--endpoint-url', server.url, 'sts', 'get-caller-identity', '--output', 'json'],
    { env },
  );
  assert.equal(JSON.parse(identity.stdout).Account, ROOT.accountId);
  // A long-term key with a session token, from the CLI too.
  const refused = await run('/usr/bin/aws', ['--endpoint-url', server.url, 'iam', 'get-user'], {
    env: { ...env, AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEJr//////////wEaDGZvcmdlZC10b2tlbg==' },
  }).then(
    () => assert.fail('the CLI call succeeded'),
    (error: { stderr: string }) => error.stderr,
  );
  assert.match(refused, /InvalidClientTokenId/);
  assert.match(refused, /The security token included in the request is invalid\./);
});

test('a long-term access key sent with a session token is InvalidClientTokenId, as on AWS', async () => {
  const withToken = { ...ROOT, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDGZvcmdlZC10b2tlbg==' };
  const iam = new IAMClient(settings(withToken));
  assert.deepEqual(await awsError(iam.send(new GetUserCommand({}))), {
    code: 'InvalidClientTokenId',
    message: 'The security token included in the request is invalid.',
    status: 403,
  });
  const sts = new STSClient(settings(withToken));
  assert.equal((await awsError(sts.send(new GetCallerIdentityCommand({})))).code, 'InvalidClientTokenId');
  // The same key without the token still works.
  const plain = new IAMClient(settings(ROOT));
  assert.equal((await plain.send(new GetUserCommand({}))).User?.UserId !== undefined, true);
  for (const client of [iam, sts, plain]) client.destroy();
  assert.doesNotMatch(server.output(), /FwoGZXIvYXdzEJr/);
});
