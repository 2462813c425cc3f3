// One contract for every Store adapter: what the domain relies on, including atomicity and
// isolation under concurrent transactions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/domain/store.ts';

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  const withStore = (title: string, body: (store: Store) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  withStore('a record written is read back as an equal value', async (store) => {
    const value = { name: 'Alice', tags: [{ Key: 'a', Value: 'é ✓ 𝄞' }], n: 3, flag: true };
    await store.write((tx) => tx.put('user', '123/alice', value));
    assert.deepEqual(await store.read((tx) => tx.get('user', '123/alice')), value);
    assert.equal(await store.read((tx) => tx.get('user', '123/bob')), undefined);
  });

  withStore('kinds are separate namespaces', async (store) => {
    await store.write((tx) => tx.put('user', 'k', { kind: 'user' }));
    await store.write((tx) => tx.put('group', 'k', { kind: 'group' }));
    assert.deepEqual(await store.read((tx) => tx.get('user', 'k')), { kind: 'user' });
  });

  withStore('list returns keys under a prefix in order, after a key, up to a limit', async (store) => {
    await store.write(async (tx) => {
      for (const k of ['1/c', '1/a', '1/b', '2/a', '1']) await tx.put('user', k, { k });
    });
    const keys = (options: Parameters<import('../../src/domain/store.ts').StoreTx['list']>[1]) =>
      store.read(async (tx) => (await tx.list<{ k: string }>('user', options)).map((e) => e.key));
    assert.deepEqual(await keys({ prefix: '1/' }), ['1/a', '1/b', '1/c']);
    assert.deepEqual(await keys({ prefix: '1/', after: '1/a' }), ['1/b', '1/c']);
    assert.deepEqual(await keys({ prefix: '1/', limit: 2 }), ['1/a', '1/b']);
    assert.deepEqual(await keys({}), ['1', '1/a', '1/b', '1/c', '2/a']);
    assert.equal(await store.read((tx) => tx.count('user', '1/')), 3);
  });

  withStore('delete and deletePrefix remove records and say so', async (store) => {
    await store.write(async (tx) => {
      for (const k of ['a/1', 'a/2', 'b/1']) await tx.put('user', k, {});
    });
    assert.equal(await store.write((tx) => tx.delete('user', 'b/1')), true);
    assert.equal(await store.write((tx) => tx.delete('user', 'b/1')), false);
    assert.equal(await store.write((tx) => tx.deletePrefix('user', 'a/')), 2);
    assert.equal(await store.read((tx) => tx.count('user', '')), 0);
  });

  withStore('a transaction that throws leaves nothing behind', async (store) => {
    await assert.rejects(
      store.write(async (tx) => {
        await tx.put('user', 'x', { v: 1 });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.read((tx) => tx.get('user', 'x')), undefined);
  });

  withStore('concurrent read-modify-write transactions do not lose updates', async (store) => {
    await store.write((tx) => tx.put('meta', 'counter', { n: 0 }));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.write(async (tx) => {
          const current = (await tx.get<{ n: number }>('meta', 'counter'))!;
          await Promise.resolve(); // yield between read and write, as real work does
          await tx.put('meta', 'counter', { n: current.n + 1 });
        }),
      ),
    );
    assert.deepEqual(await store.read((tx) => tx.get('meta', 'counter')), { n: 50 });
  });

  withStore('two concurrent creations racing a limit of two admit exactly two', async (store) => {
    const create = (id: string) =>
      store.write(async (tx) => {
        if ((await tx.count('access-key', 'u/')) >= 2) throw new Error('LimitExceeded');
        await Promise.resolve();
        await tx.put('access-key', `u/${id}`, { id });
      });
    const results = await Promise.allSettled(['k1', 'k2', 'k3', 'k4'].map(create));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    assert.equal(await store.read((tx) => tx.count('access-key', 'u/')), 2);
  });

  withStore('clear removes everything', async (store) => {
    await store.write((tx) => tx.put('user', 'a', {}));
    await store.clear();
    assert.equal(await store.read((tx) => tx.count('user', '')), 0);
  });
}
