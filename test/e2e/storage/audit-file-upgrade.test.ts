// Upgrading to the audit trail's own file: a data directory written by the release before it
// (test/fixtures/store-v10-audit/, its trail in portcullis.sqlite; generate.ts there says how it
// was made) is opened by this release. The events that release recorded are found by CloudTrail's
// LookupEvents afterwards — by name, by resource and by id — beside the ones recorded since, and
// the trail has left the main file for portcullis-audit.sqlite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LookupEventsCommand, type LookupAttribute } from '@aws-sdk/client-cloudtrail';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'store-v10-audit');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as {
  events: { eventId: string; userName: string }[];
};

async function eventIds(server: Server, attribute: LookupAttribute): Promise<string[]> {
  const client = server.cloudTrail();
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new LookupEventsCommand({ LookupAttributes: [attribute], NextToken: token }),
    );
    ids.push(...(page.Events ?? []).map((event) => event.EventId!));
    token = page.NextToken;
  } while (token);
  return ids;
}

test('events recorded before the upgrade are found by LookupEvents after it, from the audit file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-audit-upgrade-'));
  let server: Server | undefined;
  try {
    cpSync(join(FIXTURE, 'data'), dataDir, { recursive: true });
    chmodSync(join(dataDir, 'master.key'), 0o600);
    server = await startServer({ storage: 'sqlite', dataDir });
    const byName = await eventIds(server, { AttributeKey: 'EventName', AttributeValue: 'CreateUser' });
    assert.deepEqual(
      byName,
      expected.events.map((event) => event.eventId),
      'newest first, as recorded',
    );
    for (const event of expected.events) {
      assert.deepEqual(
        await eventIds(server, { AttributeKey: 'ResourceName', AttributeValue: event.userName }),
        [event.eventId],
      );
      assert.deepEqual(await eventIds(server, { AttributeKey: 'EventId', AttributeValue: event.eventId }), [
        event.eventId,
      ]);
    }

    // A call recorded now joins them; after a restart (nothing left to move) all are there.
    await server.iam().send(new CreateUserCommand({ UserName: 'after-upgrade' }));
    let after: string[] = [];
    for (let i = 0; i < 50 && after.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await eventIds(server, { AttributeKey: 'ResourceName', AttributeValue: 'after-upgrade' });
    }
    assert.equal(after.length, 1);
    server = await server.restart();
    const all = await eventIds(server, { AttributeKey: 'EventName', AttributeValue: 'CreateUser' });
    assert.deepEqual(all, [...after, ...expected.events.map((event) => event.eventId)]);
    await server.stop();
    server = undefined;

    assert.ok(existsSync(join(dataDir, 'portcullis-audit.sqlite')));
    const main = new Database(join(dataDir, 'portcullis.sqlite'), { readonly: true });
    try {
      const tables = main
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%'")
        .all();
      assert.deepEqual(tables, [], 'the main file no longer holds the trail');
    } finally {
      main.close();
    }
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
