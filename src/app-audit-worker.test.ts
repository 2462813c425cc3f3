// The audit trail as the server runs it: calls recorded on this thread, their batches written by
// the writer thread into a real SQLite file, every event there after a flush, none twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditWorker } from './app-audit-worker.ts';
import { createAuditTrail } from './domain/audit/index.ts';
import { eventsOf } from './domain/audit/blocks.ts';
import { auditBlocks } from './domain/tables.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';

test('batches recorded here are written by the worker thread, each event once, secrets redacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-worker-'));
  const filename = join(dir, 'portcullis.sqlite');
  const store = openSqliteStore({ filename, exclusive: true });
  const writer = createAuditWorker({ kind: 'sqlite', filename });
  try {
    const trail = createAuditTrail({ now: () => new Date(), sink: writer, retentionDays: 90 });
    const calls = 1_000;
    for (let i = 0; i < calls; i++) {
      trail.record({
        service: 'iam',
        eventName: 'CreateLoginProfile',
        time: new Date(Date.UTC(2026, 11, 4, 12, 0, 0, i)),
        region: 'us-east-1',
        sourceIp: '192.0.2.7',
        userAgent: 'test',
        requestId: `request-${i}`,
        account: '123456789012',
        identity: { type: 'Root', arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012' },
        input: { UserName: `user-${i}`, Password: 'Not-In-The-Trail-1!' },
      });
    }
    await trail.flush();

    const blocks = await store.read((tx) => tx.list(auditBlocks, { where: { account: '123456789012' } }));
    const rows = blocks.flatMap((block) => eventsOf(block).map((event) => event.record()));
    assert.equal(rows.length, calls);
    assert.equal(new Set(rows.map((row) => row.event.requestID)).size, calls);
    const first = rows.find((row) => row.event.requestID === 'request-0')!;
    assert.equal(first.eventTime, '2026-12-04T12:00:00Z');
    assert.equal(first.username, 'root');
    assert.deepEqual(first.resources, [{ type: 'AWS::IAM::User', name: 'user-0' }]);
    assert.deepEqual(first.event.requestParameters, {
      userName: 'user-0',
      password: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    });
    assert.ok(!JSON.stringify(rows).includes('Not-In-The-Trail-1!'));
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
