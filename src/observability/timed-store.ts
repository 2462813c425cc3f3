// The Store port with its transactions timed: the same store, each read and write measured from
// the moment it is asked for (so a write's time includes its wait for the writer, or for its
// account's turn on PostgreSQL) to its commit or failure. The adapters know nothing of it.
import type { Store, StoreTx, WriteOptions } from '../domain/store.ts';
import type { Metrics, TransactionKind } from './metrics.ts';

export function timedStore(store: Store, metrics: Metrics): Store {
  const timed = <T>(kind: TransactionKind, transaction: Promise<T>, started: number): Promise<T> =>
    transaction.then(
      (value) => {
        metrics.storeTransaction(kind, true, (performance.now() - started) / 1000);
        return value;
      },
      (error: unknown) => {
        metrics.storeTransaction(kind, false, (performance.now() - started) / 1000);
        throw error;
      },
    );
  return {
    read<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
      const started = performance.now();
      return timed('read', store.read(work), started);
    },
    write<T>(work: (tx: StoreTx) => Promise<T>, options?: WriteOptions): Promise<T> {
      const started = performance.now();
      return timed('write', store.write(work, options), started);
    },
    revision: (account) => store.revision(account),
    onCommit: (listener) => store.onCommit(listener),
    clear: () => store.clear(),
    close: () => store.close(),
  };
}
