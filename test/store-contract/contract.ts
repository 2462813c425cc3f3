// One contract for every Store adapter: what the domain relies on, on the domain's own tables.
// Each test gets a fresh database; the race tests open two Store instances on it (two nodes, or
// two processes on one SQLite file) and let them collide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreConflict, type Store, type StoreTx } from '../../src/domain/store.ts';
import {
  ALL_TABLES,
  createAccountRequests,
  groupMembers,
  groups,
  mfaDevices,
  organizationAccounts,
  organizationalUnits,
  organizationPolicies,
  organizations,
  policyAttachments,
  serverCertificates,
  serviceAccesses,
  throttles,
  users,
} from '../../src/domain/tables.ts';
import type {
  GroupRecord,
  MfaDeviceRecord,
  ServerCertificateRecord,
  UserRecord,
} from '../../src/domain/records.ts';
import { createIam } from '../../src/domain/iam.ts';
import { createSealer, generateMasterKey } from '../../src/crypto/sealing.ts';
import { verifyMfaCode } from '../../src/domain/iam/mfa-verify.ts';
import { flushServiceUses, recordServiceUse } from '../../src/domain/service-uses.ts';
import type { Caller } from '../../src/domain/caller.ts';
import { newTotpSecret, totpCode } from '../../src/crypto/totp.ts';

/** A fresh, empty database, and a way to open Store instances on it. */
export interface Database {
  open(): Promise<Store>;
  /** The names of a table's columns as the database has them. */
  columns(table: string): Promise<string[]>;
  dispose(): Promise<void>;
}

const A = '111111111111';
const B = '222222222222';

function user(name: string, fields: Partial<UserRecord> = {}): UserRecord {
  return {
    account: A,
    id: `AIDA${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
    name,
    path: '/',
    createdAt: '2026-12-01T00:00:00Z',
    tags: [],
    inlinePolicies: {},
    ...fields,
  };
}

function group(name: string): GroupRecord {
  return {
    account: A,
    id: `AGPA${name.toUpperCase()}`,
    name,
    path: '/',
    createdAt: '2026-12-01T00:00:00Z',
    inlinePolicies: {},
  };
}

/** The domain's way of creating a user: refuse a taken name, then insert. */
async function createUser(tx: StoreTx, record: UserRecord): Promise<void> {
  if (await tx.find(users, { account: record.account, name_lower: record.name.toLowerCase() })) {
    throw new Error('EntityAlreadyExists');
  }
  await tx.insert(users, record);
}

export function runStoreContract(name: string, fresh: () => Promise<Database>): void {
  const withDatabase = (title: string, body: (db: Database, store: Store) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const db = await fresh();
      const store = await db.open();
      try {
        await body(db, store);
      } finally {
        await store.close();
        await db.dispose();
      }
    });

  withDatabase('every declared table and column exists in the migrated schema', async (db) => {
    for (const table of ALL_TABLES) {
      const columns = await db.columns(table.name);
      for (const column of ['id', 'version', 'doc', ...Object.keys(table.columns)]) {
        assert.ok(columns.includes(column), `${table.name}.${column} is missing (has ${columns.join(', ')})`);
      }
    }
  });

  withDatabase(
    'a row written is read back equal, by id, by unique column and among many',
    async (_db, store) => {
      const alice = user('Alice', { tags: [{ Key: 'é ✓ 𝄞', Value: 'x' }] });
      await store.write((tx) => tx.insert(users, alice));
      assert.deepEqual(await store.read((tx) => tx.get(users, alice.id)), alice);
      assert.deepEqual(await store.read((tx) => tx.find(users, { account: A, name_lower: 'alice' })), alice);
      assert.equal(await store.read((tx) => tx.find(users, { account: B, name_lower: 'alice' })), undefined);
      assert.deepEqual(await store.read((tx) => tx.getMany(users, [alice.id, 'AIDANOBODY', alice.id])), [
        alice,
      ]);
    },
  );

  withDatabase('lists select, order, page and count in the database', async (_db, store) => {
    const names = ['carol', 'alice', 'bob', 'dave', 'Eve'];
    await store.write(async (tx) => {
      for (const n of names)
        await tx.insert(users, user(n, { path: n === 'bob' || n === 'dave' ? '/eng/' : '/' }));
      await tx.insert(users, user('zed', { account: B }));
    });
    const listed = (query: Parameters<StoreTx['list']>[1]) =>
      store.read(async (tx) => (await tx.list(users, query)).map((u) => u.name));
    assert.deepEqual(await listed({ where: { account: A }, orderBy: 'name_lower' }), [
      'alice',
      'bob',
      'carol',
      'dave',
      'Eve',
    ]);
    assert.deepEqual(await listed({ where: { account: A }, orderBy: 'name_lower', after: 'bob', limit: 2 }), [
      'carol',
      'dave',
    ]);
    assert.deepEqual(
      await listed({
        where: { account: A },
        prefix: { column: 'path', value: '/eng/' },
        orderBy: 'name_lower',
      }),
      ['bob', 'dave'],
    );
    assert.deepEqual(
      await listed({
        where: { account: A, name_lower: { in: ['eve', 'alice', 'nobody'] } },
        orderBy: 'name_lower',
      }),
      ['alice', 'Eve'],
    );
    assert.equal(await store.read((tx) => tx.count(users, { account: A })), 5);
    assert.equal(await store.read((tx) => tx.count(users, {})), 6);
    assert.deepEqual(
      await store.read((tx) => tx.tally(users, 'path', { account: A })),
      new Map([
        ['/', 3],
        ['/eng/', 2],
      ]),
    );
  });

  withDatabase('a query may select by the values another table holds', async (_db, store) => {
    const [alice, bob, carol] = [user('alice'), user('bob'), user('carol')];
    const devs = group('devs');
    await store.write(async (tx) => {
      for (const u of [alice, bob, carol]) await tx.insert(users, u);
      await tx.insert(groups, devs);
      for (const u of [carol, alice]) {
        await tx.insert(groupMembers, {
          id: `${devs.id}/${u.id}`,
          account: A,
          groupId: devs.id,
          userId: u.id,
        });
      }
    });
    const members = await store.read((tx) =>
      tx.list(users, {
        where: { id: { in: { table: groupMembers, column: 'user_id', where: { group_id: devs.id } } } },
        orderBy: 'name_lower',
      }),
    );
    assert.deepEqual(
      members.map((u) => u.name),
      ['alice', 'carol'],
    );
  });

  withDatabase(
    'insert refuses a taken unique column; update and delete say what they did',
    async (_db, store) => {
      const alice = user('alice');
      await store.write((tx) => tx.insert(users, alice));
      await assert.rejects(
        store.write((tx) => tx.insert(users, user('ALICE'))),
        StoreConflict,
      );
      await store.write(async (tx) => {
        const found = (await tx.get(users, alice.id))!;
        found.name = 'alicia';
        await tx.update(users, found);
      });
      assert.equal(
        (await store.read((tx) => tx.find(users, { account: A, name_lower: 'alicia' })))?.id,
        alice.id,
      );
      assert.equal(await store.read((tx) => tx.find(users, { account: A, name_lower: 'alice' })), undefined);
      assert.equal(await store.write((tx) => tx.delete(users, alice.id)), true);
      assert.equal(await store.write((tx) => tx.delete(users, alice.id)), false);
    },
  );

  withDatabase(
    'server certificates: one name per account whatever its case, kept by id through a rename, listed by path',
    async (_db, store) => {
      const certificate = (id: string, name: string, fields: Partial<ServerCertificateRecord> = {}) => ({
        id,
        account: A,
        name,
        path: '/',
        body: '-----BEGIN CERTIFICATE-----',
        sealedPrivateKey: 'sealed',
        uploadedAt: '2026-12-01T00:00:00Z',
        expiration: '2027-12-01T00:00:00Z',
        tags: [],
        ...fields,
      });
      await store.write(async (tx) => {
        await tx.insert(serverCertificates, certificate('ASCA1', 'www', { path: '/cloudfront/prod/' }));
        await tx.insert(serverCertificates, certificate('ASCA2', 'api'));
        await tx.insert(serverCertificates, certificate('ASCA3', 'WWW', { account: B }));
      });
      await assert.rejects(
        store.write((tx) => tx.insert(serverCertificates, certificate('ASCA4', 'Www'))),
        StoreConflict,
      );
      const underCloudfront = await store.read((tx) =>
        tx.list(serverCertificates, {
          where: { account: A },
          prefix: { column: 'path', value: '/cloudfront/' },
          orderBy: 'name_lower',
        }),
      );
      assert.deepEqual(
        underCloudfront.map((c) => c.id),
        ['ASCA1'],
      );
      await store.write(async (tx) => {
        const found = (await tx.find(serverCertificates, { account: A, name_lower: 'www' }))!;
        await tx.update(serverCertificates, { ...found, name: 'www-old', path: '/' });
      });
      await store.write((tx) => tx.insert(serverCertificates, certificate('ASCA5', 'www')));
      const names = await store.read(async (tx) =>
        (await tx.list(serverCertificates, { where: { account: A }, orderBy: 'name_lower' })).map(
          (c) => `${c.id}:${c.name}`,
        ),
      );
      assert.deepEqual(names, ['ASCA2:api', 'ASCA5:www', 'ASCA1:www-old']);
      assert.equal(await store.read((tx) => tx.count(serverCertificates, { account: A })), 3);
    },
  );

  withDatabase(
    'organizations: one per management account, members and CreateAccount requests paged by id, revisions moved',
    async (_db, store) => {
      const org = (id: string, account: string) => ({
        id,
        account,
        managementEmail: `${account}@example.com`,
        featureSet: 'ALL' as const,
        rootId: 'r-ab12',
        createdAt: '2026-12-01T00:00:00Z',
      });
      const member = (id: string, organization: string) => ({
        id,
        account: id,
        organization,
        name: id,
        email: `${id}@example.com`,
        joinedMethod: 'CREATED' as const,
        joinedAt: '2026-12-01T00:00:00Z',
        parent: 'r-ab12',
      });
      const request = (id: string, state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED') => ({
        id,
        account: A,
        organization: 'o-aaaaaaaaaa',
        accountName: id,
        email: `${id}@example.com`,
        roleName: 'OrganizationAccountAccessRole',
        tags: [],
        requestedAt: '2026-12-01T00:00:00Z',
        state,
      });
      const before = await store.revision(B);
      await store.write(async (tx) => {
        await tx.insert(organizations, org('o-aaaaaaaaaa', A));
        for (const id of [A, B, '333333333333', '444444444444'])
          await tx.insert(organizationAccounts, member(id, 'o-aaaaaaaaaa'));
        await tx.insert(organizationAccounts, member('555555555555', 'o-bbbbbbbbbb'));
        await tx.insert(createAccountRequests, request('car-00000001', 'SUCCEEDED'));
        await tx.insert(createAccountRequests, request('car-00000002', 'FAILED'));
        await tx.insert(createAccountRequests, request('car-00000003', 'SUCCEEDED'));
      });
      // A member's row is revisioned by the member account: its caches see it join.
      assert.ok((await store.revision(B)) > before);
      await assert.rejects(
        store.write((tx) => tx.insert(organizations, org('o-cccccccccc', A))),
        StoreConflict,
      );
      const firstPage = await store.read((tx) =>
        tx.list(organizationAccounts, { where: { organization: 'o-aaaaaaaaaa' }, limit: 3 }),
      );
      assert.deepEqual(
        firstPage.map((m) => m.id),
        [A, B, '333333333333'],
      );
      const secondPage = await store.read((tx) =>
        tx.list(organizationAccounts, {
          where: { organization: 'o-aaaaaaaaaa' },
          after: firstPage[2]!.id,
          limit: 3,
        }),
      );
      assert.deepEqual(
        secondPage.map((m) => m.id),
        ['444444444444'],
      );
      const succeeded = await store.read((tx) =>
        tx.list(createAccountRequests, {
          where: { organization: 'o-aaaaaaaaaa', state: { in: ['SUCCEEDED'] } },
        }),
      );
      assert.deepEqual(
        succeeded.map((r) => r.id),
        ['car-00000001', 'car-00000003'],
      );
      assert.equal(
        await store.read((tx) => tx.count(organizationAccounts, { organization: 'o-aaaaaaaaaa' })),
        4,
      );
    },
  );

  withDatabase(
    'organizational units: children of a parent paged by id, names unique among siblings, accounts listed and counted by parent',
    async (_db, store) => {
      const ou = (id: string, parent: string, name: string) => ({
        id,
        account: A,
        organization: 'o-aaaaaaaaaa',
        parent,
        name,
        path: `o-aaaaaaaaaa/r-ab12/${id}/`,
        tags: [],
        createdAt: '2026-12-01T00:00:00Z',
      });
      const member = (id: string, parent: string) => ({
        id,
        account: id,
        organization: 'o-aaaaaaaaaa',
        name: id,
        email: `${id}@example.com`,
        joinedMethod: 'CREATED' as const,
        joinedAt: '2026-12-01T00:00:00Z',
        parent,
      });
      await store.write(async (tx) => {
        await tx.insert(organizationalUnits, ou('ou-ab12-00000003', 'r-ab12', 'Prod'));
        await tx.insert(organizationalUnits, ou('ou-ab12-00000001', 'r-ab12', 'Dev'));
        await tx.insert(organizationalUnits, ou('ou-ab12-00000002', 'r-ab12', 'Sandbox'));
        await tx.insert(organizationalUnits, ou('ou-ab12-00000004', 'ou-ab12-00000001', 'Prod'));
        await tx.insert(organizationAccounts, member(A, 'r-ab12'));
        await tx.insert(organizationAccounts, member(B, 'ou-ab12-00000001'));
        await tx.insert(organizationAccounts, member('333333333333', 'ou-ab12-00000001'));
      });
      // The same name under another parent is another OU; under the same parent, a conflict.
      await assert.rejects(
        store.write((tx) => tx.insert(organizationalUnits, ou('ou-ab12-00000005', 'r-ab12', 'Dev'))),
        StoreConflict,
      );
      const found = await store.read((tx) =>
        tx.find(organizationalUnits, { parent: 'ou-ab12-00000001', name: 'Prod' }),
      );
      assert.equal(found?.id, 'ou-ab12-00000004');
      const first = await store.read((tx) =>
        tx.list(organizationalUnits, { where: { parent: 'r-ab12' }, limit: 2 }),
      );
      assert.deepEqual(
        first.map((o) => o.id),
        ['ou-ab12-00000001', 'ou-ab12-00000002'],
      );
      const rest = await store.read((tx) =>
        tx.list(organizationalUnits, { where: { parent: 'r-ab12' }, after: first[1]!.id, limit: 2 }),
      );
      assert.deepEqual(
        rest.map((o) => o.id),
        ['ou-ab12-00000003'],
      );
      const inDev = await store.read((tx) =>
        tx.list(organizationAccounts, { where: { parent: 'ou-ab12-00000001' } }),
      );
      assert.deepEqual(
        inDev.map((m) => m.id),
        [B, '333333333333'],
      );
      assert.equal(await store.read((tx) => tx.count(organizationAccounts, { parent: 'r-ab12' })), 1);
      assert.equal(
        await store.read((tx) => tx.count(organizationalUnits, { organization: 'o-aaaaaaaaaa' })),
        4,
      );
      // Moving an account is an update of its row: revisioned by the member account.
      const before = await store.revision(B);
      await store.write(async (tx) => {
        const row = await tx.get(organizationAccounts, B);
        await tx.update(organizationAccounts, { ...row!, parent: 'r-ab12' });
      });
      assert.ok((await store.revision(B)) > before);
      assert.equal(await store.read((tx) => tx.count(organizationAccounts, { parent: 'r-ab12' })), 2);
    },
  );

  withDatabase(
    'Organizations tags: kept in the rows of the root, accounts, OUs and policies, as written (any script, case kept), rewritten and removed with them',
    async (_db, store) => {
      const tags = [
        { Key: 'équipe 1', Value: 'ロール' },
        { Key: 'Team', Value: '' },
        { Key: 'team', Value: 'a:b/c=d+e-f@g_h.i' },
      ];
      await store.write(async (tx) => {
        await tx.insert(organizations, {
          id: 'o-aaaaaaaaaa',
          account: A,
          managementEmail: 'a@example.com',
          featureSet: 'ALL',
          rootId: 'r-ab12',
          createdAt: '2026-12-01T00:00:00Z',
          rootTags: tags,
        });
        await tx.insert(organizationAccounts, {
          id: B,
          account: B,
          organization: 'o-aaaaaaaaaa',
          name: 'B',
          email: 'b@example.com',
          joinedMethod: 'CREATED',
          joinedAt: '2026-12-01T00:00:00Z',
          parent: 'r-ab12',
          tags,
        });
        await tx.insert(organizationalUnits, {
          id: 'ou-ab12-00000001',
          account: A,
          organization: 'o-aaaaaaaaaa',
          parent: 'r-ab12',
          name: 'Dev',
          path: 'o-aaaaaaaaaa/r-ab12/ou-ab12-00000001/',
          tags,
          createdAt: '2026-12-01T00:00:00Z',
        });
        await tx.insert(organizationPolicies, {
          id: 'p-abcdefgh12',
          account: A,
          organization: 'o-aaaaaaaaaa',
          type: 'SERVICE_CONTROL_POLICY',
          name: 'Guard',
          description: '',
          content: '{}',
          tags,
        });
      });
      const read = () =>
        store.read(async (tx) => ({
          root: (await tx.get(organizations, 'o-aaaaaaaaaa'))?.rootTags,
          account: (await tx.get(organizationAccounts, B))?.tags,
          ou: (await tx.get(organizationalUnits, 'ou-ab12-00000001'))?.tags,
          policy: (await tx.get(organizationPolicies, 'p-abcdefgh12'))?.tags,
        }));
      assert.deepEqual(await read(), { root: tags, account: tags, ou: tags, policy: tags });
      // Tagging a member account rewrites its membership row: revisioned by the member account.
      const before = await store.revision(B);
      await store.write(async (tx) => {
        const row = await tx.get(organizationAccounts, B);
        await tx.update(organizationAccounts, { ...row!, tags: [{ Key: 'only', Value: 'one' }] });
        const ou = await tx.get(organizationalUnits, 'ou-ab12-00000001');
        await tx.update(organizationalUnits, { ...ou!, tags: [] });
      });
      assert.ok((await store.revision(B)) > before);
      const after = await read();
      assert.deepEqual(after.account, [{ Key: 'only', Value: 'one' }]);
      assert.deepEqual(after.ou, []);
      assert.deepEqual(after.root, tags);
      // The account leaves: its tags go with its row.
      await store.write((tx) => tx.delete(organizationAccounts, B));
      assert.equal((await read()).account, undefined);
    },
  );

  withDatabase('a transaction that throws leaves nothing behind', async (_db, store) => {
    await assert.rejects(
      store.write(async (tx) => {
        await tx.insert(users, user('ghost'));
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.read((tx) => tx.count(users, {})), 0);
  });

  withDatabase(
    "an account's revision moves with its revisioned rows only, and commits are announced",
    async (_db, store) => {
      const announced: string[][] = [];
      store.onCommit((accounts) => announced.push([...accounts].sort()));
      assert.equal(await store.revision(A), 0);
      await store.write((tx) => tx.insert(users, user('alice')));
      const afterInsert = await store.revision(A);
      assert.ok(afterInsert > 0);
      assert.equal(await store.revision(B), 0);
      // Throttle counts and MFA code checks are not what authorization reads: no revision moves.
      await store.write((tx) => tx.put(throttles, { id: 'x', failures: 1, lastAt: 1 }));
      assert.equal(await store.revision(A), afterInsert);
      await store.write(async (tx) => {
        await tx.insert(users, user('bob'));
        await tx.insert(users, user('zed', { account: B }));
      });
      assert.ok((await store.revision(A)) > afterInsert);
      assert.ok((await store.revision(B)) > 0);
      assert.deepEqual(announced, [[A], [A, B]]);
      const beforeClear = await store.revision(A);
      await store.clear();
      assert.ok((await store.revision(A)) > beforeClear, 'a reset moves every revision on');
      assert.equal(await store.read((tx) => tx.count(users, {})), 0);
    },
  );

  withDatabase('a read transaction keeps its snapshot while a write commits', async (_db, store) => {
    await store.write((tx) => tx.insert(users, user('alice')));
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const reading = store.read(async (tx) => {
      const before = await tx.count(users, {});
      await paused;
      return [before, await tx.count(users, {})];
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.write((tx) => tx.insert(users, user('bob')));
    release();
    assert.deepEqual(await reading, [1, 1]);
    assert.equal(await store.read((tx) => tx.count(users, {})), 2);
  });

  // ---- races between two instances on one database

  withDatabase('two instances: read-modify-write transactions lose no update', async (db, first) => {
    const second = await db.open();
    try {
      await first.write((tx) => tx.put(throttles, { id: 'counter', failures: 0, lastAt: 0 }));
      const increment = (store: Store) =>
        store.write(async (tx) => {
          const current = (await tx.get(throttles, 'counter'))!;
          await new Promise((resolve) => setImmediate(resolve)); // real work yields between read and write
          await tx.update(throttles, { ...current, failures: current.failures + 1 });
        });
      await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 === 0 ? first : second)));
      assert.equal((await first.read((tx) => tx.get(throttles, 'counter')))!.failures, 40);
    } finally {
      await second.close();
    }
  });

  withDatabase('two instances: of concurrent creates of one name, exactly one wins', async (db, first) => {
    const second = await db.open();
    try {
      const attempts = Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? first : second).write((tx) => createUser(tx, user(i % 2 === 0 ? 'alice' : 'ALICE'))),
      );
      const results = await Promise.allSettled(attempts);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results)
        if (r.status === 'rejected') assert.match(String(r.reason), /EntityAlreadyExists/);
      assert.equal(await first.read((tx) => tx.count(users, { account: A })), 1);
    } finally {
      await second.close();
    }
  });

  withDatabase(
    'two instances: a quota checked by counting holds under concurrent attaches',
    async (db, first) => {
      const second = await db.open();
      const holder = user('alice');
      await first.write((tx) => tx.insert(users, holder));
      try {
        const attach = (store: Store, n: number) =>
          store.write(async (tx) => {
            if ((await tx.count(policyAttachments, { holder_id: holder.id })) >= 10)
              throw new Error('LimitExceeded');
            const policyArn = `arn:aws:iam::${A}:policy/p${n}`;
            await tx.insert(policyAttachments, {
              id: `${holder.id}|${policyArn}`,
              account: A,
              policyArn,
              holderType: 'user',
              holderId: holder.id,
              position: n,
            });
          });
        const results = await Promise.allSettled(
          Array.from({ length: 16 }, (_, n) => attach(n % 2 ? first : second, n)),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
        assert.equal(await first.read((tx) => tx.count(policyAttachments, { holder_id: holder.id })), 10);
      } finally {
        await second.close();
      }
    },
  );

  withDatabase(
    'two instances: deleting a group and adding a member never leave a member of no group',
    async (db, first) => {
      const second = await db.open();
      try {
        for (let round = 0; round < 6; round++) {
          const devs = { ...group(`devs${round}`), id: `AGPADEVS${round}` };
          const alice = user(`alice${round}`);
          await first.write(async (tx) => {
            await tx.insert(groups, devs);
            await tx.insert(users, alice);
          });
          const removeGroup = first.write(async (tx) => {
            if ((await tx.count(groupMembers, { group_id: devs.id })) > 0) throw new Error('DeleteConflict');
            await new Promise((resolve) => setImmediate(resolve));
            await tx.delete(groups, devs.id);
          });
          const addMember = second.write(async (tx) => {
            if (!(await tx.get(groups, devs.id))) throw new Error('NoSuchEntity');
            await new Promise((resolve) => setImmediate(resolve));
            await tx.insert(groupMembers, {
              id: `${devs.id}/${alice.id}`,
              account: A,
              groupId: devs.id,
              userId: alice.id,
            });
          });
          const [removed, added] = await Promise.allSettled([removeGroup, addMember]);
          const state = await first.read(async (tx) => ({
            group: (await tx.get(groups, devs.id)) !== undefined,
            members: await tx.count(groupMembers, { group_id: devs.id }),
          }));
          // Exactly one of the two happened, and the store agrees with it.
          assert.notEqual(removed.status, added.status, `round ${round}: both or neither succeeded`);
          assert.deepEqual(
            state,
            removed.status === 'fulfilled' ? { group: false, members: 0 } : { group: true, members: 1 },
          );
        }
      } finally {
        await second.close();
      }
    },
  );

  withDatabase('two instances: one MFA code raced from both is accepted once', async (db, first) => {
    const second = await db.open();
    try {
      const sealer = createSealer(generateMasterKey());
      const catalog = { get: () => undefined, list: () => [], documents: () => Promise.resolve(new Map()) };
      const now = new Date('2026-12-01T12:00:10Z');
      const nodes = [first, second].map((store) =>
        createIam({ store, now: () => now, sealer, awsManagedPolicies: catalog }),
      );
      const seed = newTotpSecret();
      const serialNumber = `arn:aws:iam::${A}:mfa/alice`;
      const device: MfaDeviceRecord = {
        id: 'device-1',
        account: A,
        serialNumber,
        name: 'alice',
        path: '/',
        createdAt: '2026-12-01T00:00:00Z',
        sealedSeed: sealer.seal(seed, `mfa-seed:${serialNumber}`),
        ownerId: 'AIDAALICE',
        enabledAt: '2026-12-01T00:00:00Z',
        tags: [],
      };
      await first.write((tx) => tx.insert(mfaDevices, device));
      const code = totpCode(seed, now.getTime());
      const verdicts = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          nodes[i % 2]!.store.write((tx) =>
            verifyMfaCode(nodes[i % 2]!, tx, A, serialNumber, 'AIDAALICE', code),
          ),
        ),
      );
      assert.equal(verdicts.filter((v) => v.ok).length, 1, JSON.stringify(verdicts));
    } finally {
      await second.close();
    }
  });

  withDatabase(
    'two instances: service uses noted on each are written in batches and read by principal',
    async (db, first) => {
      const second = await db.open();
      try {
        const sealer = createSealer(generateMasterKey());
        const catalog = { get: () => undefined, list: () => [], documents: () => Promise.resolve(new Map()) };
        let now = new Date('2026-12-01T12:00:00Z');
        const [one, two] = [first, second].map((store) =>
          createIam({ store, now: () => now, sealer, awsManagedPolicies: catalog }),
        );
        const caller = (userId: string, region: string): Caller => ({
          account: A,
          type: 'user',
          arn: `arn:aws:iam::${A}:user/${userId}`,
          userId,
          requestContext: { 'aws:RequestedRegion': region },
        });
        recordServiceUse(one!, caller('AIDAALICE', 'us-east-1'), 'iam:ListUsers');
        recordServiceUse(one!, caller('AIDAALICE', 'us-east-1'), 'sts:GetSessionToken');
        now = new Date('2026-12-01T12:00:05Z');
        recordServiceUse(two!, caller('AIDABOB', 'eu-west-1'), 'iam:GetUser');
        await Promise.all([flushServiceUses(one!), flushServiceUses(two!)]);
        const read = (ids: string[]) =>
          second.read((tx) => tx.list(serviceAccesses, { where: { principal_id: { in: ids } } }));
        assert.deepEqual(
          (await read(['AIDAALICE'])).map((r) => [r.service, r.action ?? null, r.date, r.region]),
          [
            ['iam', null, '2026-12-01T12:00:00Z', 'us-east-1'],
            ['iam', 'ListUsers', '2026-12-01T12:00:00Z', 'us-east-1'],
            ['sts', null, '2026-12-01T12:00:00Z', 'us-east-1'],
          ],
        );
        assert.deepEqual(
          (await read(['AIDAALICE', 'AIDABOB'])).filter((r) => r.principalId === 'AIDABOB').map((r) => r.id),
          ['AIDABOB|iam', 'AIDABOB|iam|GetUser'],
        );
        // A later use in another region replaces the row: one row per principal and service.
        recordServiceUse(one!, caller('AIDABOB', 'us-west-2'), 'iam:GetUser');
        await flushServiceUses(one!);
        const bob = await read(['AIDABOB']);
        assert.equal(bob.length, 2);
        assert.ok(bob.every((r) => r.region === 'us-west-2'));
      } finally {
        await second.close();
      }
    },
  );
}
