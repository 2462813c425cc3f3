// `portcullis backup` under write load, and `portcullis restore` into a new data directory: the
// restored server answers with every write acknowledged before the backup began, its secrets open
// with the master key kept apart, its audit trail finds the events recorded before the backup, and
// the commands refuse what they must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  paginateListUsers,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startServer, type Server } from '../harness.ts';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { newKeyFile, portcullis } from './cli.ts';

async function userNames(iam: IAMClient): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListUsers({ client: iam }, {}))
    for (const user of page.Users ?? []) names.add(user.UserName!);
  return names;
}

/** The ids of the CreateUser events of `userName` that LookupEvents finds. */
async function createUserEventIds(server: Server, userName: string): Promise<string[]> {
  const page = await server.cloudTrail().send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: userName }],
    }),
  );
  return (page.Events ?? [])
    .filter((event) => event.EventName === 'CreateUser')
    .map((event) => event.EventId!);
}

/** Events are written in batches: waits until `find` finds some. */
async function eventually(find: () => Promise<string[]>): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const found = await find();
    if (found.length > 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the event was never written');
}

test('a backup taken under write load restores to a server that answers with every acknowledged write', async () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-backup-'));
  const keyFile = newKeyFile(work, 'master.key');
  const env = { PORTCULLIS_MASTER_KEY_FILE: keyFile };
  const server = await startServer({ storage: 'sqlite', env });
  let restored: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    // The key lives outside the data directory, so neither the directory nor a backup holds it.
    assert.ok(!existsSync(join(server.dataDir, 'master.key')));
    const iam = server.iam();
    await iam.send(new CreateUserCommand({ UserName: 'keeper' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'keeper' }))).AccessKey!;
    // The trail has the call recorded (written by the server's audit writer) before the backup.
    const keeperEvent = await eventually(() => createUserEventIds(server, 'keeper'));

    // Four writers create users one after another until told to stop; a name is acknowledged
    // when its CreateUser answered 200.
    const acknowledged: string[] = [];
    const attempted = new Set<string>();
    let stop = false;
    let next = 0;
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const name = `load-${next++}`;
        attempted.add(name);
        await iam.send(new CreateUserCommand({ UserName: name }));
        acknowledged.push(name);
      }
    });
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));

    const backupFile = join(work, 'portcullis-backup.sqlite');
    const before = [...acknowledged];
    const backup = await portcullis(['backup', backupFile], { PORTCULLIS_DATA_DIR: server.dataDir, ...env });
    const during = acknowledged.length - before.length;
    // Writes kept going while the backup ran, and some more after it.
    const afterBackup = acknowledged.length;
    while (acknowledged.length < afterBackup + 20) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(writers);
    assert.equal(backup.code, 0, backup.output);
    assert.match(backup.output, /Backup written to .*The master key is not in it/);
    assert.ok(during > 0, 'the load kept writing while the backup ran');

    // A backup holds the database only: no key, and no other file of the directory.
    assert.ok(existsSync(backupFile));
    assert.deepEqual(
      readdirSync(work).sort(),
      ['master.key', 'portcullis-backup.sqlite'],
      'no partial or side file is left beside the backup',
    );

    // Restored into a new data directory while the first server still runs.
    const newDir = join(work, 'restored');
    const restore = await portcullis(['restore', backupFile, '--data-dir', newDir], env);
    assert.equal(restore.code, 0, restore.output);
    assert.match(restore.output, /Restored/);
    assert.doesNotMatch(restore.output, /Warning/);
    await server.stop();

    restored = await startServer({ storage: 'sqlite', dataDir: newDir, env });
    const names = await userNames(restored.iam());
    for (const name of before)
      assert.ok(names.has(name), `${name} was acknowledged before the backup and is missing`);
    for (const name of names)
      if (name.startsWith('load-')) assert.ok(attempted.has(name), `${name} was never written`);
    // Writes acknowledged after the backup ended are not in it: it is a snapshot, not a mirror.
    assert.ok(names.size < acknowledged.length + 1, 'the backup is a snapshot taken before the load ended');

    // The secrets in the backup open with the key kept apart: the key created before works.
    const asKeeper = restored.sts({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const me = await asKeeper.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, 'arn:aws:iam::123456789012:user/keeper');

    // The audit trail came back with it: the event recorded before the backup is found.
    assert.deepEqual(await createUserEventIds(restored, 'keeper'), keeperEvent);
    assert.ok(existsSync(join(newDir, 'portcullis-audit.sqlite')));
  } finally {
    await server.stop();
    await restored?.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

test("restore refuses a running server's data directory and one that holds a database; --replace keeps the old one aside", async () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-restore-'));
  const env = { PORTCULLIS_MASTER_KEY_FILE: newKeyFile(work, 'master.key') };
  // A data directory of the test's own: the harness removes those it made when the server stops.
  const server = await startServer({ storage: 'sqlite', env, dataDir: join(work, 'data') });
  try {
    await server.iam().send(new CreateUserCommand({ UserName: 'before-backup' }));
    const backupFile = join(work, 'b.sqlite');
    assert.equal(
      (await portcullis(['backup', backupFile], { PORTCULLIS_DATA_DIR: server.dataDir, ...env })).code,
      0,
    );
    const again = await portcullis(['backup', backupFile], { PORTCULLIS_DATA_DIR: server.dataDir, ...env });
    assert.notEqual(again.code, 0);
    assert.match(again.output, /already exists/);

    const running = await portcullis(['restore', backupFile, '--replace'], {
      PORTCULLIS_DATA_DIR: server.dataDir,
      ...env,
    });
    assert.notEqual(running.code, 0);
    assert.match(running.output, /Another Portcullis server is using the data directory/);

    await server.iam().send(new CreateUserCommand({ UserName: 'after-backup' }));
    await server.stop();
    const occupied = await portcullis(['restore', backupFile], {
      PORTCULLIS_DATA_DIR: server.dataDir,
      ...env,
    });
    assert.notEqual(occupied.code, 0);
    assert.match(occupied.output, /already holds a database/);

    const replaced = await portcullis(['restore', backupFile, '--replace'], {
      PORTCULLIS_DATA_DIR: server.dataDir,
      ...env,
    });
    assert.equal(replaced.code, 0, replaced.output);
    assert.ok(readdirSync(server.dataDir).some((f) => f.startsWith('portcullis.sqlite.replaced-')));
    assert.ok(readdirSync(server.dataDir).some((f) => f.startsWith('portcullis-audit.sqlite.replaced-')));
    assert.match(replaced.output, /Its audit trail is now .*portcullis-audit\.sqlite\.replaced-/);
    const back = await server.restart();
    const names = await userNames(back.iam());
    assert.ok(names.has('before-backup'));
    assert.ok(!names.has('after-backup'));
    await back.stop();

    const notABackup = await portcullis(['restore', keyFileOf(env)], {
      PORTCULLIS_DATA_DIR: join(work, 'x'),
      ...env,
    });
    assert.notEqual(notABackup.code, 0);
    assert.match(notABackup.output, /is not a Portcullis SQLite backup/);
    assert.doesNotMatch(
      notABackup.output,
      new RegExp(env.PORTCULLIS_MASTER_KEY_FILE.replace(/[/.]/g, '.') + '.*[A-Za-z0-9+/]{43}='),
    );
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

function keyFileOf(env: { PORTCULLIS_MASTER_KEY_FILE: string }): string {
  return env.PORTCULLIS_MASTER_KEY_FILE;
}

test('on PostgreSQL, backup and restore refuse and point to pg_dump in docs/deploy.md', async () => {
  const env = { PORTCULLIS_DATABASE_URL: 'postgres://127.0.0.1:1/none', PORTCULLIS_DATA_DIR: tmpdir() };
  for (const command of ['backup', 'restore']) {
    const result = await portcullis([command, join(tmpdir(), 'never-written.sqlite')], env);
    assert.equal(result.code, 1);
    assert.match(result.output, /pg_dump and pg_restore, as docs\/deploy\.md shows/);
  }
});

test('--help explains each command, and that the master key is not in a backup', async () => {
  const backup = await portcullis(['backup', '--help'], {});
  assert.equal(backup.code, 0);
  assert.match(backup.output, /The master key is NOT in the backup/);
  for (const command of ['restore', 'rotate-master-key']) {
    const help = await portcullis([command, '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.output, new RegExp(`usage: .*portcullis ${command}`));
  }
});
