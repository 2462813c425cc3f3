// Blocks keep every event as it was recorded: what is shared between events is stored once, ids
// come from the block's reserved range, and blocks written before the shared form still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockRows, blocksOf, eventsOf } from './blocks.ts';
import { toAuditRecord, type AuditEntry } from './events.ts';

const ACCOUNT = '123456789012';
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const alice = {
  type: 'IAMUser',
  principalId: 'AIDAALICE',
  arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  userName: 'alice',
};

function getUser(timeMs: number, requestId: string): AuditEntry {
  return {
    service: 'iam',
    eventName: 'GetUser',
    timeMs,
    region: 'us-east-1',
    sourceIp: '192.0.2.1',
    userAgent: 'aws-sdk-js/3',
    account: ACCOUNT,
    identity: alice,
    username: 'alice',
    resources: [{ type: 'AWS::IAM::User', name: 'alice' }],
    requestParameters: { userName: 'alice' },
    responseElements: null,
    requestId,
  };
}

const uuid7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('every event reads back as recorded, in time order, each with an id of its own time', () => {
  const entries: AuditEntry[] = [
    getUser(T0 + 5, 'r-1'),
    getUser(T0, 'r-0'),
    {
      ...getUser(T0 + 7, 'r-2'),
      eventName: 'CreateUser',
      // A string that reads like another member's JSON is still that string, not the object.
      userAgent: '{"userName":"alice"}',
      identity: { type: 'Unknown', accessKeyId: 'AKIAUNKNOWN' },
      requestParameters: { userName: 'bob', tags: [{ key: 'a', value: 'b' }] },
      responseElements: { user: { userName: 'bob' } },
      errorCode: 'AccessDenied',
      errorMessage: 'no',
    },
    {
      ...getUser(T0 + 7, ''),
      service: 'signin',
      eventName: 'ConsoleLogin',
      userAgent: null,
      additionalEventData: { MFAUsed: 'Yes' },
      resources: [],
      requestParameters: null,
    },
  ];
  delete (entries[3] as { requestId?: string }).requestId;
  const blocks = blocksOf(entries);
  assert.equal(blocks.length, 1);
  const events = eventsOf(blockRows(blocks[0]!).block);
  const inOrder = [entries[1]!, entries[0]!, entries[2]!, entries[3]!];
  assert.equal(events.length, 4);
  events.forEach((event, n) => {
    assert.match(event.id, uuid7);
    assert.equal(parseInt(event.id.replace(/-/g, '').slice(0, 12), 16), inOrder[n]!.timeMs);
    assert.deepEqual(event.record(), toAuditRecord(inOrder[n]!, event.id));
  });
  assert.equal(new Set(events.map((e) => e.id)).size, 4);
  assert.deepEqual([...blocks[0]!.lookups].sort(), [
    'AccessKeyId:AKIAUNKNOWN',
    'EventName:ConsoleLogin',
    'EventName:CreateUser',
    'EventName:GetUser',
    'EventSource:iam.amazonaws.com',
    'EventSource:signin.amazonaws.com',
    'ReadOnly:false',
    'ReadOnly:true',
    'ResourceName:alice',
    'ResourceType:AWS::IAM::User',
    'Username:alice',
  ]);
});

test("a busy caller's events store little more than their time and request id", () => {
  const entries = Array.from({ length: 256 }, (_, n) => getUser(T0 + (n % 90), crypto.randomUUID()));
  const [block] = blocksOf(entries);
  // A request id is 36 characters; the rest of each event is a row of small numbers.
  assert.ok(block!.entries.length / 256 < 90, `${block!.entries.length / 256} characters per event`);
  assert.deepEqual(
    eventsOf(blockRows(block!).block).map((e) => e.record().event.requestID),
    [...entries].sort((a, b) => a.timeMs - b.timeMs).map((e) => e.requestId),
  );
});

test('a block written in the earlier form (each entry whole, with its id) still reads', () => {
  const entry = getUser(T0, 'r-old');
  const eventId = '019aeb4a-9a80-7abc-8def-0123456789ab';
  const { identity: _identity, userAgent: _userAgent, ...rest } = entry;
  const [block] = blocksOf([entry]);
  const record = {
    ...blockRows(block!).block,
    entries: JSON.stringify({
      shared: [alice, 'aws-sdk-js/3'],
      events: [{ ...rest, eventId, identity: 0, userAgent: 1 }],
    }),
  };
  const [event] = eventsOf(record);
  assert.equal(event!.id, eventId);
  assert.deepEqual(event!.record(), toAuditRecord(entry, eventId));
});
