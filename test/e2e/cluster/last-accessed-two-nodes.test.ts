// The record of service use holds across processes on one database: a use noted by one process
// is written within a second or so, off the request's path, and another process's report shows
// it — a second server on the same SQLite file after the first is gone (killed, so nothing is
// written at exit), and two nodes at once on one PostgreSQL database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, startServer, type Credentials, type Server } from '../harness.ts';
import { freshDatabase } from '../../support/postgres.ts';
import { abandon, killHard, masterKeyEnv, serverPid, sleep } from './load.ts';

const userArn = (name: string) => `arn:aws:iam::${ROOT.accountId}:user/${name}`;

async function userWithKey(root: IAMClient, name: string): Promise<Credentials> {
  await root.send(new CreateUserCommand({ UserName: name }));
  await root.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'list',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
      }),
    }),
  );
  const { AccessKey } = await root.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

/** When the user's report says IAM was last accessed, as another node answers it. */
async function iamLastAccessed(root: IAMClient, name: string): Promise<Date | undefined> {
  const { JobId } = await root.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: userArn(name) }));
  const report = await root.send(new GetServiceLastAccessedDetailsCommand({ JobId }));
  const iam = report.ServicesLastAccessed?.find((s) => s.ServiceNamespace === 'iam');
  assert.ok(iam, 'IAM is among the allowed services');
  return iam.LastAuthenticated;
}

test('SQLite: a second server on the file sees the use the first wrote a moment after the call', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-last-accessed-'));
  const env = masterKeyEnv();
  let first: Server | undefined = await startServer({ storage: 'sqlite', dataDir, env });
  let second: Server | undefined;
  try {
    const root = first.iam();
    const erin = await userWithKey(root, 'erin');
    const asErin = first.iam(erin);
    await asErin.send(new ListUsersCommand({}));
    // Written off the request's path within about a second; then the process dies without a
    // chance to write anything more.
    await sleep(2500);
    const killed = first;
    first = undefined;
    await killHard(serverPid(killed));
    abandon(killed, [root, asErin], false);
    second = await startServer({ storage: 'sqlite', dataDir, env });
    assert.ok((await iamLastAccessed(second.iam(), 'erin')) instanceof Date);
  } finally {
    await first?.stop();
    await second?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('PostgreSQL: a use on one node is in the report another node makes, within seconds', async () => {
  const database = await freshDatabase();
  const env = masterKeyEnv();
  const a = await startServer({ database, env });
  const b = await startServer({ database, env });
  try {
    const frank = await userWithKey(a.iam(), 'frank');
    assert.equal(await iamLastAccessed(b.iam(), 'frank'), undefined, 'not yet used');
    const before = Date.now() - 2000;
    await a.iam(frank).send(new ListUsersCommand({}));
    let seen: Date | undefined;
    for (const deadline = Date.now() + 10_000; !seen && Date.now() < deadline; await sleep(250))
      seen = await iamLastAccessed(b.iam(), 'frank');
    assert.ok(seen instanceof Date, 'node b sees node a’s record');
    assert.ok(seen.getTime() >= before);
  } finally {
    await a.stop();
    await b.stop();
    await database.drop();
  }
});
