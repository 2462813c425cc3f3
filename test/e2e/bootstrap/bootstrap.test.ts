import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer } from '../harness.ts';

const generated = {
  PORTCULLIS_ACCOUNT_ID: '',
  PORTCULLIS_ROOT_ACCESS_KEY_ID: '',
  PORTCULLIS_ROOT_SECRET_ACCESS_KEY: '',
  PORTCULLIS_ROOT_PASSWORD: '',
};

test('a first start without settings generates root credentials, prints them once and keeps them in a 0600 file', async () => {
  let server = await startServer({ env: generated });
  try {
    const file = join(server.dataDir, 'root-credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(server.dataDir, 'master.key')).mode & 0o777, 0o600);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    assert.match(credentials.accountId, /^\d{12}$/);
    assert.match(credentials.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.ok(server.output().includes(credentials.secretAccessKey), 'printed on first start');
    assert.ok(server.output().includes(`Account: ${credentials.accountId}`));
    assert.ok(server.output().includes('aws --endpoint-url'));

    const identity = await server.sts(credentials).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:iam::${credentials.accountId}:root`);

    server = await server.restart();
    assert.equal(server.output().includes(credentials.secretAccessKey), false, 'not printed again');
    const again = await server.sts(credentials).send(new GetCallerIdentityCommand({}));
    assert.equal(again.Account, credentials.accountId);
  } finally {
    await server.stop();
  }
});

test('secrets are not stored in plain text: the store never holds the secret access key or the password', async () => {
  const server = await startServer();
  try {
    await server.iam().send(new CreateUserCommand({ UserName: 'someone' }));
    const stored = await server.storedBytes();
    assert.ok(stored.includes('someone'), 'the store was read');
    assert.equal(stored.includes(ROOT.secretAccessKey), false);
    assert.equal(stored.includes(ROOT.password), false);
  } finally {
    await server.stop();
  }
});

test('the reset endpoint is absent by default', async () => {
  const server = await startServer();
  try {
    const response = await server.testEndpoint('/_portcullis/reset');
    assert.equal(response.status, 404);
  } finally {
    await server.stop();
  }
});

test('with PORTCULLIS_ALLOW_RESET=1, a reset removes all state and the configured root credentials work at once', async () => {
  const server = await startServer({ env: { PORTCULLIS_ALLOW_RESET: '1' } });
  try {
    await server.iam().send(new CreateUserCommand({ UserName: 'before-reset' }));
    const response = await server.testEndpoint('/_portcullis/reset');
    assert.equal(response.status, 200);
    assert.equal(
      (await awsError(server.iam().send(new GetUserCommand({ UserName: 'before-reset' })))).code,
      'NoSuchEntity',
    );
    const identity = await server.sts().send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, ROOT.accountId);
  } finally {
    await server.stop();
  }
});

test('a master key given by PORTCULLIS_MASTER_KEY is used instead of a generated file', async () => {
  const server = await startServer({
    env: { PORTCULLIS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
  });
  try {
    assert.equal(readdirSync(server.dataDir).includes('master.key'), false);
    const identity = await server.sts().send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, ROOT.accountId);
  } finally {
    await server.stop();
  }
});
