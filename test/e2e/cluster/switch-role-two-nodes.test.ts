// Switch role across two PostgreSQL nodes: a switch made through one node is the session's on the
// other (it is kept on the console session's row, not in a node's memory), Switch back on either
// is seen by both, and deleting the role through one node ends the switch on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { freshDatabase } from '../../support/postgres.ts';
import { ConsoleClient, signIn, visibleText } from '../console/client.ts';
import { masterKeyEnv } from './load.ts';

const account = ROOT.accountId;
const PASSWORD = 'Two-Nodes-Switch-1!';
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** A second browser tab on another node: the same cookies, another server. */
function sameBrowser(client: ConsoleClient, node: Server): ConsoleClient {
  const other = new ConsoleClient(node.url);
  for (const [name, value] of client.cookies) other.cookies.set(name, value);
  return other;
}

const switchedTo = (text: string) => /Currently active as ([^:]+):/.exec(visibleText(text))?.[1]?.trim();

test('two nodes: a switch made on one is the session on the other, until switched back or the role is gone', async () => {
  const database = await freshDatabase();
  const env = masterKeyEnv();
  let first: Server | undefined;
  let second: Server | undefined;
  try {
    first = await startServer({ database, env });
    second = await startServer({ database, env });
    const iam = first.iam();
    await iam.send(new CreateUserCommand({ UserName: 'ada' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'ada', Password: PASSWORD }));
    // ada may only switch; the role may list users.
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'ada',
        PolicyName: 'switch',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'Reader',
        AssumeRolePolicyDocument: policy([
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
        ]),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'Reader',
        PolicyName: 'read',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]),
      }),
    );

    const onFirst = new ConsoleClient(first.url);
    assert.equal((await signIn(onFirst, account, 'ada', PASSWORD)).status, 200);
    await onFirst.get('/console/switch-role');
    const switched = await onFirst.post('/console/switch-role', {
      account,
      'role-name': 'Reader',
      'display-name': 'Reader tab',
      color: 'orange',
    });
    assert.equal(switched.status, 303);

    const onSecond = sameBrowser(onFirst, second);
    const users = await onSecond.get('/console/admin/users');
    assert.equal(switchedTo(users.text), 'Reader tab');
    assert.match(visibleText(users.text), /ada/);
    assert.doesNotMatch(visibleText(users.text), /not authorized/);

    // Switch back on the second node: the first serves ada herself, whom policy denies ListUsers.
    assert.equal((await onSecond.post('/console/switch-back', {})).status, 303);
    const own = await onFirst.get('/console/admin/users');
    assert.equal(switchedTo(own.text), undefined);
    assert.match(
      visibleText(own.text),
      /User: arn:aws:iam::\d{12}:user\/ada is not authorized to perform: iam:ListUsers/,
    );

    // Switched again on the first node, the role deleted through the second: the switch is over.
    await onFirst.get('/console/switch-role');
    await onFirst.post('/console/switch-role', { account, 'role-name': 'Reader' });
    assert.equal(switchedTo((await onSecond.get('/console')).text), `Reader @ ${account}`);
    await second.iam().send(new DeleteRolePolicyCommand({ RoleName: 'Reader', PolicyName: 'read' }));
    await second.iam().send(new DeleteRoleCommand({ RoleName: 'Reader' }));
    const after = await onFirst.get('/console');
    assert.equal(after.status, 200);
    assert.equal(switchedTo(after.text), undefined);
  } finally {
    await first?.stop();
    await second?.stop();
  }
});
