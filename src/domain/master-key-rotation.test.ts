// The rotation re-seals every kind of sealed value, in every table that holds one, in batches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { createSealer, generateMasterKey, sealedKeyId, type Sealer } from '../crypto/sealing.ts';
import { resealEverything } from './master-key-rotation.ts';
import type { AnyTable, Store } from './store.ts';
import {
  accessKeys,
  consoleSessions,
  mfaDevices,
  samlProviders,
  serverCertificates,
  stsSessions,
  users,
} from './tables.ts';

const ACCOUNT = '123456789012';

/** Each sealed value written, with its context and plaintext, by where it lives. */
interface Written {
  readonly get: (row: Record<string, unknown>) => string;
  readonly table: AnyTable;
  readonly id: string;
  readonly context: string;
  readonly plaintext: string;
}

async function fill(store: Store, s: Sealer): Promise<Written[]> {
  const written: Written[] = [];
  const seal = (table: AnyTable, id: string, context: string, get: Written['get']) => {
    const plaintext = `secret for ${context}`;
    written.push({ table, id, context, plaintext, get });
    return s.seal(plaintext, context);
  };
  await store.write(async (tx) => {
    for (let i = 0; i < 5; i++) {
      const id = `AKIAROTATE00000000${i}0`;
      await tx.insert(accessKeys, {
        id,
        account: ACCOUNT,
        position: i,
        status: 'Active',
        sealedSecret: seal(accessKeys, id, `access-key:${id}`, (r) => r.sealedSecret as string),
      } as never);
    }
    await tx.insert(stsSessions, {
      accessKeyId: 'ASIAROTATE0000000001',
      account: ACCOUNT,
      expiresAt: '2099-01-01T00:00:00Z',
      sealedSecret: seal(
        stsSessions,
        'ASIAROTATE0000000001',
        'session:ASIAROTATE0000000001',
        (r) => r.sealedSecret as string,
      ),
    } as never);
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/rotated`;
    await tx.insert(mfaDevices, {
      id: 'mfa-1',
      account: ACCOUNT,
      serialNumber: serial,
      type: 'virtual',
      sealedSeed: seal(mfaDevices, 'mfa-1', `mfa-seed:${serial}`, (r) => r.sealedSeed as string),
    } as never);
    await tx.insert(mfaDevices, { id: 'u2f-1', account: ACCOUNT, serialNumber: 'u2f', type: 'u2f' } as never);
    await tx.insert(users, {
      id: 'AIDAROTATED',
      account: ACCOUNT,
      name: 'rotated',
      path: '/',
      serviceCredentials: [
        {
          id: 'ACCAROTATED1',
          sealedPassword: seal(
            users,
            'AIDAROTATED',
            'service-credential:ACCAROTATED1',
            (r) => (r.serviceCredentials as { sealedPassword: string }[])[0]!.sealedPassword,
          ),
        },
      ],
    } as never);
    await tx.insert(samlProviders, {
      id: 'saml-1',
      account: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:saml-provider/idp`,
      privateKeys: [
        {
          keyId: 'KEY1',
          sealedKey: seal(
            samlProviders,
            'saml-1',
            'saml-private-key:saml-1:KEY1',
            (r) => (r.privateKeys as { sealedKey: string }[])[0]!.sealedKey,
          ),
        },
      ],
    } as never);
    await tx.insert(serverCertificates, {
      id: 'ASCAROTATED000000001',
      account: ACCOUNT,
      name: 'www',
      path: '/',
      sealedPrivateKey: seal(
        serverCertificates,
        'ASCAROTATED000000001',
        'server-certificate-key:ASCAROTATED000000001',
        (r) => r.sealedPrivateKey as string,
      ),
    } as never);
    await tx.insert(consoleSessions, {
      id: 'console-1',
      account: ACCOUNT,
      principal: { kind: 'root', id: 'root' },
      expiresAt: '2099-01-01T00:00:00Z',
      pendingAccessKey: {
        id: 'AKIAPENDING',
        sealedSecret: seal(
          consoleSessions,
          'console-1',
          'console:console-1:AKIAPENDING',
          (r) => (r.pendingAccessKey as { sealedSecret: string }).sealedSecret,
        ),
      },
      pendingServiceCredential: {
        id: 'ACCASERVICECREDENTIAL1',
        userName: 'dev',
        createdAt: '2026-12-04T00:00:00Z',
        sealedPassword: seal(
          consoleSessions,
          'console-1',
          'console:console-1:ACCASERVICECREDENTIAL1',
          (r) => (r.pendingServiceCredential as { sealedPassword: string }).sealedPassword,
        ),
      },
      pendingMfa: {
        serialNumber: 'SERIAL',
        sealedSeed: seal(
          consoleSessions,
          'console-1',
          'console:console-1:SERIAL',
          (r) => (r.pendingMfa as { sealedSeed: string }).sealedSeed,
        ),
        sealedPng: s.seal('png', 'console:console-1:SERIAL'),
      },
    } as never);
  });
  return written;
}

test('every sealed value in every table comes back under the new key, and a second run has nothing to do', async () => {
  const store = openSqliteStore({ filename: ':memory:' });
  const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
  const written = await fill(store, createSealer(oldKey));
  const during = createSealer(newKey, [oldKey]);
  const seen: string[] = [];
  const result = await resealEverything(
    { store, sealer: during },
    { batchSize: 2, onProgress: (p) => seen.push(`${p.table}:${p.rows}`) },
  );
  assert.deepEqual(result.resealed, {
    access_keys: 5,
    sts_sessions: 1,
    mfa_devices: 1,
    users: 1,
    saml_providers: 1,
    server_certificates: 1,
    console_sessions: 1,
  });
  assert.equal(result.total, 11);
  // Five access keys in batches of two: three transactions.
  assert.deepEqual(
    seen.filter((p) => p.startsWith('access_keys')),
    ['access_keys:2', 'access_keys:4', 'access_keys:5'],
  );

  const newOnly = createSealer(newKey);
  const oldOnly = createSealer(oldKey);
  await store.read(async (tx) => {
    for (const w of written) {
      const sealed = w.get((await tx.get(w.table, w.id)) as Record<string, unknown>);
      assert.equal(sealedKeyId(sealed), newOnly.keyId, w.context);
      assert.equal(newOnly.open(sealed, w.context), w.plaintext);
      assert.throws(() => oldOnly.open(sealed, w.context), /could not be opened/);
    }
    const png = (await tx.get(consoleSessions, 'console-1'))!.pendingMfa!.sealedPng;
    assert.equal(newOnly.open(png, 'console:console-1:SERIAL'), 'png');
  });
  assert.equal((await resealEverything({ store, sealer: during })).total, 0);
  await store.close();
});

test('a rotation asked to stop ends between batches, and a later run finishes it', async () => {
  const store = openSqliteStore({ filename: ':memory:' });
  const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
  await fill(store, createSealer(oldKey));
  const during = createSealer(newKey, [oldKey]);
  let batches = 0;
  const cut = await resealEverything(
    { store, sealer: during },
    { batchSize: 2, onProgress: () => batches++, stopped: () => batches >= 1 },
  );
  assert.equal(cut.total, 2);
  assert.equal((await resealEverything({ store, sealer: during })).total, 9);
  await store.close();
});
