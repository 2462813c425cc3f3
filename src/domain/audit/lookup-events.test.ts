// LookupEvents over blocks written by several nodes, whose times overlap: paging through every
// NextToken gives exactly the events a plain filter and sort of all of them gives, newest first,
// each once, for any attribute and time range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blockRows, blocksOf, eventsOf } from './blocks.ts';
import type { AuditEntry } from './events.ts';
import { lookupEvents } from './lookup-events.ts';
import { storeSink } from './trail.ts';
import { iamWithAccounts, rootCaller } from '../../../test/support/domain.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const root = rootCaller(ACCOUNT);

function entry(account: string, timeMs: number, user: string, eventName: string): AuditEntry {
  return {
    service: 'iam',
    eventName,
    timeMs,
    region: 'us-east-1',
    sourceIp: '192.0.2.1',
    userAgent: 'test',
    account,
    identity: { type: 'IAMUser', userName: user, accessKeyId: `AKIA${user.toUpperCase()}` },
    username: user,
    resources: eventName === 'CreateUser' ? [{ type: 'AWS::IAM::User', name: `${user}-new` }] : [],
    requestParameters: null,
    responseElements: null,
  };
}

const arbitraryEntry = fc
  .record({
    other: fc.boolean(),
    // Events crowd around a few moments, so that blocks of different nodes overlap in time.
    second: fc.integer({ min: 0, max: 3 }),
    jitterMs: fc.integer({ min: 0, max: 250 }),
    user: fc.constantFrom('alice', 'bob', 'carol'),
    eventName: fc.constantFrom('GetUser', 'CreateUser', 'ListUsers'),
  })
  .map((e) => entry(e.other ? OTHER : ACCOUNT, T0 + e.second * 1000 + e.jitterMs, e.user, e.eventName));

const arbitraryQuery = fc.record({
  attribute: fc.option(
    fc.constantFrom(
      ['Username', 'alice'],
      ['EventName', 'CreateUser'],
      ['ReadOnly', 'true'],
      ['ResourceName', 'bob-new'],
      ['AccessKeyId', 'AKIACAROL'],
      ['Username', 'nobody'],
    ),
    { nil: undefined },
  ),
  startSecond: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  endSecond: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  maxResults: fc.integer({ min: 1, max: 4 }),
});

test('every page of every lookup, followed to the end, is the filtered events newest first, once each', async () => {
  await fc.assert(
    fc.asyncProperty(
      // Each node's batches: entries a node wrote together, in the order it recorded them.
      fc.array(fc.array(fc.array(arbitraryEntry, { maxLength: 60 }), { maxLength: 4 }), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.array(arbitraryQuery, { minLength: 1, maxLength: 4 }),
      async (nodes, queries) => {
        const iam = await iamWithAccounts([ACCOUNT], { now: () => new Date(T0 + 10_000) });
        const { store } = iam;
        const sink = storeSink(store);
        // Blocks give their events ids: the events expected are read back from the blocks written.
        const written = nodes.flat().map((batch) => blocksOf(batch));
        for (const blocks of written) await sink.write(blocks);
        const events = written.flat().flatMap((block) => eventsOf(blockRows(block).block));
        assert.equal(new Set(events.map((e) => e.id)).size, nodes.flat(2).length);
        const all = events.filter((e) => e.account === ACCOUNT);

        for (const query of queries) {
          const input: Record<string, unknown> = { MaxResults: query.maxResults };
          if (query.attribute)
            input.LookupAttributes = [
              { AttributeKey: query.attribute[0], AttributeValue: query.attribute[1] },
            ];
          if (query.startSecond !== undefined) input.StartTime = new Date(T0 + query.startSecond * 1000);
          if (query.endSecond !== undefined) input.EndTime = new Date(T0 + query.endSecond * 1000);
          if (
            query.startSecond !== undefined &&
            query.endSecond !== undefined &&
            query.startSecond > query.endSecond
          )
            continue;
          const expected = all
            .filter(
              (e) =>
                (!query.attribute || e.lookups().includes(`${query.attribute[0]}:${query.attribute[1]}`)) &&
                (query.startSecond === undefined || e.timeMs >= T0 + query.startSecond * 1000) &&
                (query.endSecond === undefined || e.timeMs < T0 + (query.endSecond + 1) * 1000),
            )
            .sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1))
            .map((e) => e.id);

          const got: string[] = [];
          let token: string | undefined;
          for (let page = 0; page < 1_000; page++) {
            const answer = (await lookupEvents(
              { iam, caller: root },
              { ...input, ...(token ? { NextToken: token } : {}) },
            )) as { Events: { EventId: string }[]; NextToken?: string };
            assert.ok(answer.Events.length <= query.maxResults);
            got.push(...answer.Events.map((e) => e.EventId));
            token = answer.NextToken;
            if (!token) break;
          }
          assert.deepEqual(got, expected, JSON.stringify(query));
        }

        // And each event by its id, in its own account only.
        for (const e of events.slice(0, 5)) {
          const answer = (await lookupEvents(
            { iam, caller: root },
            { LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: e.id }] },
          )) as { Events: { EventId: string }[] };
          assert.deepEqual(
            answer.Events.map((found) => found.EventId),
            e.account === ACCOUNT ? [e.id] : [],
          );
        }
        await store.close();
      },
    ),
    { numRuns: 60 },
  );
});
