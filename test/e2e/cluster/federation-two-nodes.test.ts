// The federation endpoint across two PostgreSQL nodes: credentials issued by one node are
// exchanged for a sign-in token at the other, and when both nodes are handed the same token at the
// same moment, exactly one signs in — the token is consumed in the store, not in a node's memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ROOT, startServer, type Server } from '../harness.ts';
import { freshDatabase } from '../../support/postgres.ts';
import { ConsoleClient, visibleText } from '../console/client.ts';
import { masterKeyEnv } from './load.ts';

const account = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

test('two nodes: a sign-in token made on one works on the other, and signs in once when raced', async () => {
  const database = await freshDatabase();
  const env = masterKeyEnv();
  let first: Server | undefined;
  let second: Server | undefined;
  try {
    first = await startServer({ database, env });
    second = await startServer({ database, env });
    const iam = first.iam();
    await iam.send(new CreateUserCommand({ UserName: 'broker' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'broker',
        PolicyName: 'assume',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'broker' }))).AccessKey!;
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'Reader',
        AssumeRolePolicyDocument: policy([
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
        ]),
      }),
    );
    const sts = first.sts({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    for (let round = 0; round < 5; round++) {
      const c = (
        await sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${account}:role/Reader`,
            RoleSessionName: `r${round}`,
          }),
        )
      ).Credentials!;
      const session = JSON.stringify({
        sessionId: c.AccessKeyId,
        sessionKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      });
      // Issued by the second node for credentials the first node issued.
      const issued = await fetch(
        `${second.url}/federation?${new URLSearchParams({ Action: 'getSigninToken', Session: session })}`,
      );
      assert.equal(issued.status, 200);
      const { SigninToken } = (await issued.json()) as { SigninToken: string };
      const login = `/federation?${new URLSearchParams({ Action: 'login', Destination: '/console', SigninToken })}`;
      const nodes: Server[] = [first, second, first, second];
      const clients: ConsoleClient[] = nodes.map((node) => new ConsoleClient(node.url));
      const answers = await Promise.all(clients.map((client) => client.get(login)));
      const winners = answers.flatMap((answer, i) => (answer.status === 302 ? [clients[i]!] : []));
      assert.equal(winners.length, 1, `round ${round}: ${answers.map((a) => a.status).join(', ')}`);
      assert.ok(answers.every((answer) => answer.status === 302 || answer.status === 400));
      // The session the winner got is served by either node.
      const winner = winners[0]!;
      for (const node of [first, second] as Server[]) {
        const elsewhere = new ConsoleClient(node.url);
        for (const [name, value] of winner.cookies) elsewhere.cookies.set(name, value);
        assert.match(visibleText((await elsewhere.get('/console')).text), new RegExp(`Reader/r${round} @`));
      }
    }
    assert.doesNotMatch(first.output(), /internal failure/);
    assert.doesNotMatch(second.output(), /internal failure/);
  } finally {
    await first?.stop();
    await second?.stop();
    await database.drop();
  }
});
