// better-sqlite3 is a native addon built by its install script. npm 11 runs a dependency's install
// script only when the installing project approves it (its package.json's allowScripts, or
// --allow-scripts for npx and global installs), so an install can end without the addon. Said at
// start with the commands that fix it, rather than as the bindings package's list of paths tried.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const MISSING =
  /Could not locate the bindings file|better_sqlite3\.node|NODE_MODULE_VERSION|ERR_DLOPEN_FAILED/;

/** Runs `open`, which loads the driver, and explains a missing or mismatched driver if it fails. */
export function withNativeDriverHint<T>(open: () => T): T {
  try {
    return open();
  } catch (error) {
    const explained = explainNativeDriverFailure(error);
    if (explained) throw explained;
    throw error;
  }
}

export function explainNativeDriverFailure(error: unknown): Error | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (!MISSING.test(message) && code !== 'ERR_DLOPEN_FAILED') return undefined;
  const project = installingProject();
  return new Error(
    [
      "SQLite's native driver (better-sqlite3) is not built for this Node.js " +
        `${process.version}: its install script did not run (npm 11 runs a dependency's install ` +
        'script only when the project approves it) or ran for another Node.js version.',
      '',
      `Build it, in ${project}:`,
      '  npm approve-scripts better-sqlite3     # npm 11: record the approval in package.json',
      '  npm rebuild better-sqlite3',
      'For npx or a global install, approve it on the command line instead:',
      '  npm install -g --allow-scripts=better-sqlite3 portcullis',
      'Building from source needs python3, make and a C++ compiler when no prebuilt binary can be fetched.',
      'Or keep state in PostgreSQL (PORTCULLIS_DATABASE_URL), which needs no native driver.',
      '',
      `(${message.split('\n')[0]})`,
    ].join('\n'),
  );
}

/** The directory whose node_modules holds better-sqlite3: where npm's commands must run. */
function installingProject(): string {
  try {
    const manifest = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
    // <project>/node_modules/better-sqlite3/package.json
    return dirname(dirname(dirname(manifest)));
  } catch {
    return process.cwd();
  }
}
