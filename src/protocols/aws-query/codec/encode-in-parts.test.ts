// Large responses encoded in parts (issue #13): the same document as encode.ts writes at once, and
// the event loop gets a turn at least every 50 ms of CPU while a 13 MB simulator answer is written.
// CPU time between turns, not wall time, so that the shared machine's other work does not count
// (as src/domain/iam/simulator.test.ts measures the simulation itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuUsage } from 'node:process';
import { encodeQueryResponse } from './encode.ts';
import { encodeQueryBody, encodeQueryResponseInParts } from './encode-in-parts.ts';

/** 100 actions × `arns` ARNs of 2,048 characters: SimulateCustomPolicy's output, as the simulator returns it. */
function simulatorOutput(arns: number): Record<string, unknown> {
  const resources = Array.from({ length: arns }, (_, i) => {
    const prefix = `arn:aws:s3:::bucket/${i}/`;
    return `${prefix}${'a'.repeat(2048 - prefix.length - 3)}<&>`;
  });
  return {
    EvaluationResults: Array.from({ length: 100 }, (_, a) => ({
      EvalActionName: `s3:Action${a}`,
      EvalResourceName: '*',
      EvalDecision: a % 2 === 0 ? 'allowed' : 'implicitDeny',
      MatchedStatements: [],
      MissingContextValues: [],
      EvalDecisionDetails: {},
      ResourceSpecificResults: resources.map((resource) => ({
        EvalResourceName: resource,
        EvalResourceDecision: a % 2 === 0 ? 'allowed' : 'implicitDeny',
        MatchedStatements:
          a % 2 === 0
            ? [
                {
                  SourcePolicyId: 'PolicyInputList.1',
                  SourcePolicyType: 'IAM Policy',
                  StartPosition: { Line: 1, Column: 1 },
                  EndPosition: { Line: 1, Column: 80 },
                },
              ]
            : [],
        MissingContextValues: ['aws:username'],
      })),
    })),
    IsTruncated: false,
  };
}

function text(parts: readonly Buffer[]): string {
  return Buffer.concat(parts).toString('utf8');
}

test('a large output in parts is the document encode.ts writes at once, parts of at most about 64 KB', async () => {
  const output = simulatorOutput(10);
  const parts = await encodeQueryResponseInParts('iam', 'SimulateCustomPolicy', output, 'req-1');
  assert.ok(parts.length > 10, `${parts.length} parts`);
  for (const part of parts) assert.ok(part.length < 80 * 1024, `a part of ${part.length} bytes`);
  assert.equal(text(parts), encodeQueryResponse('iam', 'SimulateCustomPolicy', output, 'req-1'));
});

test('empty elements, maps, multi-byte text and values that fit no shape come out as encode.ts writes them', async () => {
  const cases: [string, Record<string, unknown>][] = [
    // A large list whose members are all left out is written <Users/>.
    ['ListUsers', { Users: Array.from({ length: 10_000 }, () => null), IsTruncated: false }],
    ['ListUsers', { Users: Array.from({ length: 5_000 }, () => 'not a structure'), IsTruncated: true }],
    [
      'ListUsers',
      {
        Users: Array.from({ length: 2_000 }, (_, i) => ({
          UserName: `üser-${i}-€-😀`,
          UserId: `AIDA${i}`,
          Arn: `arn:aws:iam::123456789012:user/üser-${i}`,
          Path: '/',
          CreateDate: '2026-11-23T12:00:00Z',
          Tags: i % 3 === 0 ? [] : [{ Key: 'k', Value: `v\r${i}` }],
        })),
        IsTruncated: false,
      },
    ],
    [
      'GetAccountSummary',
      { SummaryMap: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`Key${i}`, i])) },
    ],
  ];
  for (const [operation, output] of cases) {
    const parts = await encodeQueryResponseInParts('iam', operation, output, 'r');
    assert.equal(text(parts), encodeQueryResponse('iam', operation, output, 'r'), operation);
  }
});

test('small outputs are encoded at once, as one string; large ones in parts', async () => {
  const small = encodeQueryBody('iam', 'GetUser', { User: { UserName: 'alice' } }, 'r');
  assert.equal(typeof small, 'string');
  assert.equal(small, encodeQueryResponse('iam', 'GetUser', { User: { UserName: 'alice' } }, 'r'));
  assert.equal(typeof encodeQueryBody('iam', 'DeleteUser', undefined, 'r'), 'string');
  const large = encodeQueryBody('iam', 'SimulateCustomPolicy', simulatorOutput(2), 'r');
  assert.ok(large instanceof Promise);
  assert.equal(
    text(await large),
    encodeQueryResponse('iam', 'SimulateCustomPolicy', simulatorOutput(2), 'r'),
  );
});

/** Runs `work` while noting the CPU time spent between turns of the event loop; the longest. */
async function longestHold<T>(work: () => Promise<T>): Promise<{ result: T; heldMs: number }> {
  let last = cpuUsage();
  let heldMs = 0;
  const turn = () => {
    const spent = cpuUsage(last);
    last = cpuUsage();
    heldMs = Math.max(heldMs, (spent.user + spent.system) / 1000);
  };
  const timer = setInterval(turn, 1);
  try {
    const result = await work();
    turn(); // the stretch since the last turn, up to the end of the work
    return { result, heldMs };
  } finally {
    clearInterval(timer);
  }
}

test('a 13 MB simulator answer (100 actions × 60 ARNs of 2 KB) gives other work a turn at least every 50 ms of CPU', async () => {
  const output = simulatorOutput(60);
  // Warm-up, as a running server is: the encoder's code runs several times slower on its first calls.
  await encodeQueryResponseInParts('iam', 'SimulateCustomPolicy', simulatorOutput(5), 'r');
  const { result, heldMs } = await longestHold(async () => {
    const body = encodeQueryBody('iam', 'SimulateCustomPolicy', output, 'req-13');
    assert.ok(body instanceof Promise, 'a 13 MB output is encoded in parts');
    return body;
  });
  let bytes = 0;
  for (const part of result) bytes += part.length;
  assert.ok(bytes > 13_000_000, `${bytes} bytes`);
  assert.ok(heldMs < 50, `the encoding held the event loop for ${heldMs.toFixed(1)} ms of CPU`);
  // The same document as the encoder that writes it at once.
  assert.equal(text(result), encodeQueryResponse('iam', 'SimulateCustomPolicy', output, 'req-13'));
});
