// A large form body read in slices (issue #13) holds exactly the pairs URLSearchParams reads from
// it at once, and the event loop gets turns while a 1 MiB body of percent-encoded policies is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuUsage } from 'node:process';
import fc from 'fast-check';
import { parseFormInTurns } from './form.ts';

const pairsOf = (params: URLSearchParams) => [...params];

test('the pairs are those URLSearchParams reads, wherever the slices fall', async () => {
  const filler = 'x'.repeat(40 * 1024);
  const bodies = [
    '',
    '?Action=GetUser&Version=2010-05-08',
    `a=${filler}&?b=1&&c&=d&e=f=g&h=%zz%41+%E2%82%AC&i=%FF%FE&j=${filler}`,
    `${'n=v&'.repeat(20_000)}last=%F0%9F%98%80`,
    `${'&'.repeat(70_000)}only=1`,
    `Policy=${encodeURIComponent(JSON.stringify({ Statement: [{ Resource: filler }] }))}&?x=${filler}&+=+`,
  ];
  for (const body of bodies)
    assert.deepEqual(
      pairsOf(await parseFormInTurns(body)),
      pairsOf(new URLSearchParams(body)),
      body.slice(0, 40),
    );
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.constantFrom('a', '=', '&', '?', '%', '+', '2', 'F', 'é', '%41', '%E2%82%AC', 'x'.repeat(9000)),
        {
          maxLength: 40,
        },
      ),
      async (parts) => {
        const body = parts.join('');
        assert.deepEqual(pairsOf(await parseFormInTurns(body)), pairsOf(new URLSearchParams(body)));
      },
    ),
    { numRuns: 200 },
  );
});

test('a 1 MiB body of percent-encoded policies is read giving other work a turn at least every 50 ms of CPU', async () => {
  const statements = Array.from({ length: 900 }, (_, i) => ({
    Sid: `S${i}`,
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject'],
    Resource: `arn:aws:s3:::bucket-${i}/*`,
    Condition: { StringEquals: { 'aws:username': `user-${i}` } },
  }));
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
  const params = new URLSearchParams({ Action: 'SimulateCustomPolicy', Version: '2010-05-08' });
  for (let i = 1; params.toString().length < 1024 * 1024 - policy.length * 3; i++)
    params.set(`PolicyInputList.member.${i}`, policy);
  const body = params.toString();
  await parseFormInTurns(body.slice(0, 100_000)); // warm-up, as a running server is
  let last = cpuUsage();
  let heldMs = 0;
  const turn = () => {
    const spent = cpuUsage(last);
    last = cpuUsage();
    heldMs = Math.max(heldMs, (spent.user + spent.system) / 1000);
  };
  const timer = setInterval(turn, 1);
  let read: URLSearchParams;
  try {
    read = await parseFormInTurns(body);
    turn();
  } finally {
    clearInterval(timer);
  }
  assert.deepEqual(pairsOf(read), pairsOf(params));
  assert.ok(heldMs < 50, `reading held the event loop for ${heldMs.toFixed(1)} ms of CPU`);
});
