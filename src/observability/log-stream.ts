// Where the JSON request log goes: stdout, a turn of the event loop's lines in one write. Writes
// to a pipe are synchronous on Linux, one system call each; under load a turn answers many
// requests, and one write for all of their lines costs what one line alone would. A line waits at
// most one turn; what is held is written before the process exits.

/** Past this much held text, the lines go at once rather than at the end of the turn. */
const FLUSH_AT_CHARACTERS = 64 * 1024;

export interface LogStream {
  /** One log line (pino hands each whole, newline included). */
  write(line: string): void;
  flush(): void;
}

export function stdoutLogStream(): LogStream {
  let held = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (held === '') return;
    const text = held;
    held = '';
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return {
    write(line) {
      held += line;
      if (held.length >= FLUSH_AT_CHARACTERS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
