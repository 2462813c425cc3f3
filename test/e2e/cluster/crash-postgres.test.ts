// kill -9 of a PostgreSQL node under concurrent writes: a new node on the same database (and the
// same master key) sees every acknowledged write, once, and nothing half-made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';
import { freshDatabase } from '../../support/postgres.ts';
import {
  abandon,
  crashUnderLoad,
  killHard,
  serverPid,
  masterKeyEnv,
  prepareCrashLoad,
  verifyAfterCrash,
} from './load.ts';

test('kill -9 of a PostgreSQL node under 16 concurrent writers: a new node sees every acknowledged write', async () => {
  const database = await freshDatabase();
  const env = masterKeyEnv();
  let server: Server | undefined;
  let clients: IAMClient[] = [];
  let dead = false;
  let successor: Server | undefined;
  try {
    const firstStartBegan = Date.now();
    server = await startServer({ database, env });
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
    abandon(killed, clients, true);

    const startBegan = Date.now();
    successor = await startServer({ database, env });
    const startMs = Date.now() - startBegan;
    assert.doesNotMatch(successor.output(), /A new account was created/);
    const report = await verifyAfterCrash(successor.iam(), load);
    console.log(
      `${report}\nkilled at +${load.killedAt - load.startedAt} ms; new node started in ${startMs} ms (first node: ${firstStartMs} ms)`,
    );
    // The new node writes: nothing the dead node's connections held is in the way.
    await successor.iam().send(new CreateUserCommand({ UserName: 'after-the-crash' }));
    assert.doesNotMatch(killed.output(), /internal failure/, killed.output());
    assert.doesNotMatch(successor.output(), /internal failure/, successor.output());
  } finally {
    // A failure before the kill leaves the first server running; one after it, its clients open.
    if (server && !dead) await server.stop();
    else if (server) abandon(server, clients, true);
    await successor?.stop();
    await database.drop();
  }
});
