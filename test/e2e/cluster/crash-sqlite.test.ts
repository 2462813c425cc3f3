// kill -9 of a SQLite server under concurrent writes: the server starts again on the same data
// directory (the directory lock dies with the process), every acknowledged write is there, and
// the database file is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';
import { abandon, crashUnderLoad, killHard, prepareCrashLoad, serverPid, verifyAfterCrash } from './load.ts';

/** PRAGMA integrity_check and foreign_key_check on a read-only connection. */
function checkIntegrity(dataDir: string): void {
  const db = new Database(join(dataDir, 'portcullis.sqlite'), { readonly: true, fileMustExist: true });
  try {
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
}

test('kill -9 under 16 concurrent writers: the restart keeps every acknowledged write, and the file is intact', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-crash-sqlite-'));
  let server: Server | undefined;
  let clients: IAMClient[] = [];
  let dead = false;
  let restarted: Server | undefined;
  try {
    const firstStartBegan = Date.now();
    server = await startServer({ storage: 'sqlite', dataDir });
    const firstStartMs = Date.now() - firstStartBegan;
    clients = [server.iam()];
    await prepareCrashLoad(clients[0]!);
    const pid = serverPid(server);
    const load = await crashUnderLoad(clients[0]!, {
      workers: 16,
      killAfterMs: 2000,
      kill: async (justBefore) => {
        await killHard(pid, justBefore);
        dead = true;
      },
    });
    // The harness's stop() and restart() would wait for an exit that has already happened.
    const killed = server;
    server = undefined;
    abandon(killed, clients, false);

    // The file as the crash left it (its WAL not yet checkpointed by a new server).
    checkIntegrity(dataDir);

    const restartBegan = Date.now();
    restarted = await startServer({ storage: 'sqlite', dataDir });
    const restartMs = Date.now() - restartBegan;
    assert.doesNotMatch(restarted.output(), /A new account was created/);
    const report = await verifyAfterCrash(restarted.iam(), load);
    console.log(
      `${report}\nkilled at +${load.killedAt - load.startedAt} ms; restarted in ${restartMs} ms (first start: ${firstStartMs} ms)`,
    );
    // The restarted server writes (nothing of the dead one's is in the way), and the file is intact.
    await restarted.iam().send(new CreateUserCommand({ UserName: 'after-the-crash' }));
    checkIntegrity(dataDir);
    assert.doesNotMatch(killed.output(), /internal failure/, killed.output());
    assert.doesNotMatch(restarted.output(), /internal failure/, restarted.output());
  } finally {
    // A failure before the kill leaves the first server running; one after it, its clients open.
    if (server && !dead) await server.stop();
    else if (server) abandon(server, clients, false);
    await restarted?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
