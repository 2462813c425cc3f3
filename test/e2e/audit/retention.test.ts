// Audit events are kept for PORTCULLIS_AUDIT_RETENTION_DAYS and then swept; newer ones stay.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';

let server: Server | undefined;
after(async () => {
  await server?.stop();
});

async function eventNames(s: Server): Promise<string[]> {
  const client = s.cloudTrail();
  const page = await client.send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
    }),
  );
  return (page.Events ?? []).map((e) => e.Resources?.[0]?.ResourceName ?? '');
}

async function until(s: Server, check: (names: string[]) => boolean): Promise<string[]> {
  let names: string[] = [];
  for (let i = 0; i < 100; i++) {
    names = await eventNames(s);
    if (check(names)) return names;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return names;
}

test('events older than the retention are swept; newer ones stay', async () => {
  server = await startServer({ env: { PORTCULLIS_AUDIT_RETENTION_DAYS: '1' } });
  await server.iam().send(new CreateUserCommand({ UserName: 'old-one' }));
  assert.deepEqual(await until(server, (n) => n.includes('old-one')), ['old-one']);

  await server.advanceClock(2 * 86_400);
  await server.iam().send(new CreateUserCommand({ UserName: 'new-one' }));
  assert.deepEqual(
    await until(server, (n) => n.includes('new-one') && !n.includes('old-one')),
    ['new-one'],
    'the two-day-old event is gone, the new one is there',
  );
});
