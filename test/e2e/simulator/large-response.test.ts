// A large simulator answer through the real SDK (issue #13): 100 actions × 60 ARNs of 2,048
// characters is 13.5 MB of XML, which the server encodes and writes in parts (so that it holds
// the event loop for no more than a few ms at a time: measured in
// src/protocols/aws-query/codec/encode-in-parts.test.ts). The SDK reads it whole, with the answers
// a small simulation of the same action and ARN gives (written at once), and the connection it
// came on serves the next calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { GetUserCommand, IAMClient, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllowBucket', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bucket/*' },
    { Sid: 'DenyDeletesUnderOne', Effect: 'Deny', Action: 's3:Delete*', Resource: 'arn:aws:s3:::bucket/1*' },
  ],
});
const ACTIONS = Array.from({ length: 100 }, (_, i) =>
  i % 2 === 0 ? `s3:GetObject${i}` : `s3:DeleteObject${i}`,
);
const ARNS = Array.from({ length: 60 }, (_, i) => {
  const prefix = `arn:aws:s3:::bucket/${i}/`;
  return `${prefix}${'k'.repeat(2048 - prefix.length)}`;
});

test('a 13 MB SimulateCustomPolicy answer reaches the SDK whole, as small answers say it, and the connection serves the next calls', async () => {
  // One connection, kept alive: every call of this client goes over it, one after another.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<Socket>();
  const client = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: ROOT,
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
  // Every response's socket: the raw response the SDK read the document from (Node's IncomingMessage).
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const body = (result.response as { body?: { socket?: Socket | null } }).body;
      assert.ok(body?.socket, 'the response names its socket');
      sockets.add(body.socket);
      return result;
    },
    { step: 'deserialize', name: 'noteSocket' },
  );
  try {
    const large = await client.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [POLICY],
        ActionNames: ACTIONS,
        ResourceArns: ARNS,
      }),
    );
    assert.equal(large.IsTruncated, false);
    const results = large.EvaluationResults!;
    assert.deepEqual(
      results.map((r) => r.EvalActionName),
      ACTIONS,
    );
    for (const [a, result] of results.entries()) {
      assert.equal(result.EvalResourceName, '*');
      assert.deepEqual(
        result.ResourceSpecificResults!.map((r) => r.EvalResourceName),
        ARNS,
        ACTIONS[a]!,
      );
      // Deletes under bucket/1... (ARNs 1 and 10-19) are denied; everything else is allowed.
      const expected = ARNS.map((_, r) =>
        a % 2 === 1 && String(r).startsWith('1') ? 'explicitDeny' : 'allowed',
      );
      assert.deepEqual(
        result.ResourceSpecificResults!.map((r) => r.EvalResourceDecision),
        expected,
        ACTIONS[a]!,
      );
      assert.equal(result.EvalDecision, a % 2 === 1 ? 'explicitDeny' : 'allowed');
    }
    // Each answer is the one a simulation of that action and ARN alone gives (a small response).
    for (const [a, r] of [
      [0, 0],
      [1, 1],
      [1, 12],
      [98, 59],
      [99, 30],
    ] as const) {
      const small = await client.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [POLICY],
          ActionNames: [ACTIONS[a]!],
          ResourceArns: [ARNS[r]!],
        }),
      );
      assert.deepEqual(
        results[a]!.ResourceSpecificResults![r],
        small.EvaluationResults![0]!.ResourceSpecificResults![0],
      );
      assert.ok(
        (results[a]!.ResourceSpecificResults![r]!.MatchedStatements ?? []).length > 0,
        'the deciding statement is named',
      );
    }
    const user = await client.send(new GetUserCommand({}));
    assert.equal(user.User?.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
    assert.equal(sockets.size, 1, 'every call went over the one kept-alive connection');
  } finally {
    client.destroy();
    agent.destroy();
  }
});
