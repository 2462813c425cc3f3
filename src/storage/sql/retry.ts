// Running a write transaction again when it lost a race: a row it read changed before it wrote
// (StaleRow), the database could not serialize it, or a unique column was taken meanwhile (the
// domain checks names before inserting, so the next run answers EntityAlreadyExists itself).
// Attempts back off with jitter, so that racing nodes do not collide again in step.
import { StoreConflict } from '../../domain/store.ts';
import type { ErrorKinds } from './connection.ts';
import { StaleRow } from './transaction.ts';

const MAX_ATTEMPTS = 12;
const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 250;

export async function withRetries<T>(kinds: ErrorKinds, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const retryable =
        error instanceof StaleRow || kinds.isSerializationFailure(error) || kinds.isUniqueViolation(error);
      if (!retryable) throw error;
      if (n >= MAX_ATTEMPTS) {
        throw new StoreConflict(`The transaction kept conflicting with others (${n} attempts).`, {
          cause: error,
        });
      }
      const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** n);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
    }
  }
}
