// The Store contract on PostgreSQL: each test has a fresh database of the throwaway cluster
// (test/support/postgres.ts), and as many Store instances (nodes) as it opens.
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { freshDatabase } from '../support/postgres.ts';
import { runStoreContract } from './contract.ts';

runStoreContract('postgres', async () => {
  const database = await freshDatabase();
  return {
    open: () => openPostgresStore({ connectionString: database.url }),
    async columns(table) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_name = $1',
          [table],
        );
        return rows.map((r) => r.column_name);
      } finally {
        await client.end();
      }
    },
    dispose: () => database.drop(),
  };
});
