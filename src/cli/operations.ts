// The operator's commands beside `serve`: backup, restore, rotate-master-key. Each reads the same
// configuration as the server (flags or PORTCULLIS_* variables), so it finds the same data.
import { loadConfig } from '../config.ts';
import { backupDataDirectory, restoreDataDirectory, runMasterKeyRotation } from '../app.ts';

const COMMON = `Options are the server's: --data-dir DIR (PORTCULLIS_DATA_DIR), --database-url URL
(PORTCULLIS_DATABASE_URL), --master-key-file FILE (PORTCULLIS_MASTER_KEY_FILE), ...`;

export const OPERATIONS: Readonly<
  Record<string, { usage: string; run: (args: string[]) => Promise<number> }>
> = {
  backup: {
    usage: `usage: portcullis backup <file> [--data-dir DIR]

Writes a consistent copy of the SQLite database of the data directory to <file> (which must not
exist yet), while a server may be running on it and writing: SQLite's online backup. The audit
trail (portcullis-audit.sqlite) is in the same file: the backup is one file.

The master key is NOT in the backup (nor are master.key and root-credentials.json): keep the key
apart, best in a file outside the data directory (PORTCULLIS_MASTER_KEY_FILE). Restoring the
backup needs the key it was written with.

On PostgreSQL (PORTCULLIS_DATABASE_URL) this refuses: use pg_dump (docs/deploy.md, "Backups").
${COMMON}`,
    async run(args) {
      const [file, rest] = positional(args);
      const result = await backupDataDirectory(loadConfig(rest, process.env), file);
      console.log(
        `Backup written to ${result.file} (${result.pages} pages). The master key is not in it: keep it apart.`,
      );
      return 0;
    },
  },
  restore: {
    usage: `usage: portcullis restore <file> [--data-dir DIR] [--replace]

Puts a backup made by \`portcullis backup\` in place as the data directory's database. The data
directory must be empty or its server stopped: this refuses while a server runs on it, and
refuses a directory that already holds a database unless --replace is given (that database is
then moved aside, renamed portcullis.sqlite.replaced-<time>, never deleted; so is its audit
trail, portcullis-audit.sqlite). The backup's audit trail comes back with it: the server moves it
into portcullis-audit.sqlite when it starts.

Start the server afterwards with the master key the backup was written with.
On PostgreSQL (PORTCULLIS_DATABASE_URL) this refuses: use pg_restore (docs/deploy.md, "Backups").
${COMMON}`,
    async run(args) {
      const replace = args.includes('--replace');
      const [file, rest] = positional(args.filter((a) => a !== '--replace'));
      const config = loadConfig(rest, process.env);
      const result = await restoreDataDirectory(config, file, { replace });
      const lines = [`Restored ${file} into ${config.dataDir}.`];
      if (result.movedAside) lines.push(`The database that was there is now ${result.movedAside}.`);
      if (result.auditMovedAside) lines.push(`Its audit trail is now ${result.auditMovedAside}.`);
      if (result.keyOpens === false)
        lines.push(
          'Warning: the configured master key does not open this backup: start with the key it was written with.',
        );
      if (result.keyOpens === undefined)
        lines.push(
          'No master key is configured here: start the server with the key the backup was written with.',
        );
      console.log(lines.join('\n'));
      return 0;
    },
  },
  'rotate-master-key': {
    usage: `usage: portcullis rotate-master-key   (with PORTCULLIS_MASTER_KEY_FILE=<new key> PORTCULLIS_PREVIOUS_MASTER_KEY_FILE=<old key>)

Re-seals every secret kept in the store (access key secrets, STS session secrets, MFA seeds,
service-specific credential passwords, SAML providers' private keys, the console's pending
secrets) under the new master key, in batches of short transactions, pass after pass until
nothing is left under the old key. Servers keep answering meanwhile when they were given both
keys (the new one as PORTCULLIS_MASTER_KEY(_FILE), the old one as
PORTCULLIS_PREVIOUS_MASTER_KEY(_FILE)); afterwards the old key opens nothing and can go.
Keys may also be given as values: PORTCULLIS_MASTER_KEY, PORTCULLIS_PREVIOUS_MASTER_KEY.

On SQLite the data directory belongs to one server: a server started with both keys re-seals by
itself in the background; this command runs on a stopped data directory. On PostgreSQL with
several nodes, change the keys in steps: docs/deploy.md, "Rotating the master key".
${COMMON}`,
    async run(args) {
      const result = await runMasterKeyRotation(loadConfig(args, process.env), (line) => console.log(line));
      console.log(`Done: ${result.total} row(s) re-sealed. The previous key no longer opens anything here.`);
      return 0;
    },
  },
};

/** The one positional argument (a file), and the options around it. */
function positional(args: string[]): [string, string[]] {
  const index = args.findIndex((a, i) => !a.startsWith('--') && (i === 0 || !needsValue(args[i - 1]!)));
  if (index < 0) throw new Error('A file name is needed (see --help).');
  return [args[index]!, args.filter((_, i) => i !== index)];
}

/** An option given as "--name value" (not "--name=value", and not one of the switches). */
function needsValue(arg: string): boolean {
  return arg.startsWith('--') && !arg.includes('=') && !['--allow-reset', '--allow-test-clock'].includes(arg);
}
