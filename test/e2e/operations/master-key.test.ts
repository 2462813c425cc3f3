// The master key outside the data directory, and its rotation: after `portcullis
// rotate-master-key` every access key, session and MFA seed still works under the new key alone
// (and a server certificate's private key is sealed under it too),
// nothing in the store is sealed under the old one, and a server given only the old key (or any
// other) refuses to start, clearly. Servers given both keys answer throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  UploadServerCertificateCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { startServer, type Server, type ServerOptions } from '../harness.ts';
import { freshDatabase } from '../../support/postgres.ts';
import { ALL_TABLES } from '../../../src/domain/tables.ts';
import { masterKeyId, parseMasterKey } from '../../../src/crypto/sealing.ts';
import { selfSigned } from '../../support/server-certificates.ts';
import { codeAt, consecutiveCodes, seedOf } from '../mfa/codes.ts';
import { newKeyFile, portcullis } from './cli.ts';

const USER_ARN = 'arn:aws:iam::123456789012:user/rotated';

function idOf(keyFile: string): string {
  return masterKeyId(parseMasterKey(readFileSync(keyFile, 'utf8')));
}

/** Every row the store keeps, as text (read from the database, not its files' free pages). */
async function storedRows(server: Server): Promise<string> {
  if (server.storage === 'postgres') return (await server.storedBytes()).toString('utf8');
  const db = new Database(join(server.dataDir, 'portcullis.sqlite'), { readonly: true });
  try {
    // The audit trail's tables are in their own file: attached, its names resolve beside the main file's.
    db.prepare('ATTACH DATABASE ? AS audit').run(join(server.dataDir, 'portcullis-audit.sqlite'));
    return ALL_TABLES.map((t) =>
      (db.prepare(`SELECT doc FROM ${t.name}`).all() as { doc: string }[]).map((r) => r.doc).join('\n'),
    ).join('\n');
  } finally {
    db.close();
  }
}

/** The key ids that sealed values in the store name, with how many name each ("v1": none named). */
function sealedKeyIds(rows: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const m of rows.matchAll(
    /(?<![\w.-])(v1|v2)\.(?:([\w-]{12})\.)?[\w-]{16}\.[\w-]+\.[\w-]{22}(?![\w.-])/g,
  )) {
    const id = m[1] === 'v1' ? 'v1' : m[2]!;
    ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  return ids;
}

test('after rotate-master-key every access key, session and MFA seed works under the new key, and the old key opens nothing', async () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-rotate-'));
  const oldKey = newKeyFile(work, 'old.key');
  const newKey = newKeyFile(work, 'new.key');
  const dataDir = join(work, 'data');
  const database = process.env.PORTCULLIS_E2E_STORAGE === 'postgres' ? await freshDatabase() : undefined;
  const where: ServerOptions = { dataDir, ...(database ? { database } : {}) };
  const storeEnv: Record<string, string> = database
    ? { PORTCULLIS_DATABASE_URL: database.url, PORTCULLIS_DATA_DIR: dataDir }
    : { PORTCULLIS_DATA_DIR: dataDir };
  let server = await startServer({ ...where, env: { PORTCULLIS_MASTER_KEY_FILE: oldKey } });
  try {
    assert.ok(
      !existsSync(join(dataDir, 'master.key')),
      'the key file given is used, none is made in the data directory',
    );
    const iam = server.iam();
    await iam.send(new CreateUserCommand({ UserName: 'rotated' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'rotated' }))).AccessKey!;
    const userKey = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'rotated' })))
      .VirtualMFADevice!;
    const seed = seedOf(device.Base32StringSeed);
    const codes = consecutiveCodes(seed);
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'rotated',
        SerialNumber: device.SerialNumber!,
        AuthenticationCode1: codes.code1,
        AuthenticationCode2: codes.code2,
      }),
    );
    const session = (await server.sts(userKey).send(new GetSessionTokenCommand({}))).Credentials!;
    const sessionKey = {
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    };
    const certificate = selfSigned('rotated.example.com');
    await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: 'rotated',
        CertificateBody: certificate.cert,
        PrivateKey: certificate.key,
      }),
    );
    const before = sealedKeyIds(await storedRows(server));
    assert.deepEqual([...before.keys()], [idOf(oldKey)]);
    assert.ok(
      before.get(idOf(oldKey))! >= 5,
      "root key, user key, session, MFA seed and the server certificate's key are sealed",
    );

    const bothKeys = { PORTCULLIS_MASTER_KEY_FILE: newKey, PORTCULLIS_PREVIOUS_MASTER_KEY_FILE: oldKey };
    let rotation;
    if (database) {
      // Several nodes may share PostgreSQL: the rotation runs beside a server given both keys,
      // which keeps answering with the secrets sealed under either.
      await server.stop();
      server = await startServer({ ...where, env: bothKeys });
      let done = false;
      const reading = (async () => {
        let calls = 0;
        while (!done) {
          const me = await server.sts(userKey).send(new GetCallerIdentityCommand({}));
          assert.equal(me.Arn, USER_ARN);
          calls++;
        }
        return calls;
      })();
      rotation = await portcullis(['rotate-master-key'], { ...storeEnv, ...bothKeys });
      done = true;
      assert.ok((await reading) > 0);
    } else {
      // On SQLite the data directory is one server's: the command runs while it is stopped.
      await server.stop();
      rotation = await portcullis(['rotate-master-key'], { ...storeEnv, ...bothKeys });
    }
    assert.equal(rotation.code, 0, rotation.output);
    assert.match(rotation.output, /pass 1: re-sealed [5-9]\d* row\(s\) \(.*server_certificates 1/);
    assert.match(rotation.output, /pass 2: re-sealed 0 row\(s\)/);
    assert.doesNotMatch(
      rotation.output,
      new RegExp(readFileSync(newKey, 'utf8').trim().replace(/[+/]/g, '.')),
    );
    await server.stop();

    // The new key alone: everything works.
    server = await startServer({ ...where, env: { PORTCULLIS_MASTER_KEY_FILE: newKey } });
    const after = sealedKeyIds(await storedRows(server));
    assert.deepEqual([...after.keys()], [idOf(newKey)], 'every sealed value names the new key');
    assert.equal(after.get(idOf(newKey)), before.get(idOf(oldKey)));
    const asUser = await server.sts(userKey).send(new GetCallerIdentityCommand({}));
    assert.equal(asUser.Arn, USER_ARN);
    const asSession = await server.sts(sessionKey).send(new GetCallerIdentityCommand({}));
    assert.equal(asSession.Arn, USER_ARN);
    const withMfa = await server
      .sts(userKey)
      .send(new GetSessionTokenCommand({ SerialNumber: device.SerialNumber!, TokenCode: codeAt(seed, 1) }));
    assert.ok(withMfa.Credentials?.SessionToken);
    await server.stop();

    // The old key alone opens nothing: a server given it refuses to start, and says why.
    const refused = await startServer({ ...where, env: { PORTCULLIS_MASTER_KEY_FILE: oldKey } }).then(
      async (s) => {
        await s.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    assert.match(refused, /The master key does not open the secrets in this database/);
    assert.match(
      refused,
      new RegExp(`sealed under key id ${idOf(newKey)}; this server was given key id ${idOf(oldKey)}`),
    );
  } finally {
    await server.stop();
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }
});

test('on SQLite a server started with both keys re-seals by itself while it answers; the command refuses its directory', async () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-rotate-sqlite-'));
  const oldKey = newKeyFile(work, 'old.key');
  const newKey = newKeyFile(work, 'new.key');
  const dataDir = join(work, 'data');
  let server = await startServer({ storage: 'sqlite', dataDir, env: { PORTCULLIS_MASTER_KEY_FILE: oldKey } });
  try {
    await server.iam().send(new CreateUserCommand({ UserName: 'rotated' }));
    const key = (await server.iam().send(new CreateAccessKeyCommand({ UserName: 'rotated' }))).AccessKey!;
    const userKey = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    await server.stop();
    const bothKeys = { PORTCULLIS_MASTER_KEY_FILE: newKey, PORTCULLIS_PREVIOUS_MASTER_KEY_FILE: oldKey };
    server = await startServer({ storage: 'sqlite', dataDir, env: bothKeys });
    assert.equal((await server.sts(userKey).send(new GetCallerIdentityCommand({}))).Arn, USER_ARN);
    const command = await portcullis(['rotate-master-key'], { PORTCULLIS_DATA_DIR: dataDir, ...bothKeys });
    assert.notEqual(command.code, 0);
    assert.match(command.output, /On SQLite the server re-seals by itself/);
    const deadline = Date.now() + 60_000;
    while (!/Master key rotation: \d+ row\(s\) re-sealed/.test(server.output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(server.output(), /Master key rotation: 2 row\(s\) re-sealed under key id/);
    await server.stop();
    server = await startServer({ storage: 'sqlite', dataDir, env: { PORTCULLIS_MASTER_KEY_FILE: newKey } });
    assert.equal((await server.sts(userKey).send(new GetCallerIdentityCommand({}))).Arn, USER_ARN);
    assert.deepEqual([...sealedKeyIds(await storedRows(server)).keys()], [idOf(newKey)]);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

test('a server started with another key than its data was sealed with refuses clearly; key options are checked', async () => {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-wrong-key-'));
  const dataDir = join(work, 'data');
  const database = process.env.PORTCULLIS_E2E_STORAGE === 'postgres' ? await freshDatabase() : undefined;
  const where: ServerOptions = { dataDir, ...(database ? { database } : {}) };
  try {
    const first = await startServer({
      ...where,
      env: { PORTCULLIS_MASTER_KEY_FILE: newKeyFile(work, 'a.key') },
    });
    await first.stop();
    const other = newKeyFile(work, 'b.key');
    const attempts: [Record<string, string>, RegExp][] = [
      [{ PORTCULLIS_MASTER_KEY_FILE: other }, /The master key does not open the secrets in this database/],
      [
        { PORTCULLIS_MASTER_KEY_FILE: other, PORTCULLIS_MASTER_KEY: readFileSync(other, 'utf8').trim() },
        /Give either PORTCULLIS_MASTER_KEY or PORTCULLIS_MASTER_KEY_FILE, not both/,
      ],
      [
        {
          PORTCULLIS_MASTER_KEY_FILE: join(work, 'a.key'),
          PORTCULLIS_PREVIOUS_MASTER_KEY_FILE: join(work, 'none.key'),
        },
        /PORTCULLIS_PREVIOUS_MASTER_KEY_FILE names .* which does not exist/,
      ],
    ];
    for (const [env, message] of attempts) {
      const refused = await startServer({ ...where, env }).then(
        async (s) => {
          await s.stop();
          return 'started';
        },
        (error: Error) => error.message,
      );
      assert.match(refused, message);
      for (const file of ['a.key', 'b.key'])
        assert.ok(!refused.includes(readFileSync(join(work, file), 'utf8').trim()), 'no key in the message');
    }
  } finally {
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }
});
