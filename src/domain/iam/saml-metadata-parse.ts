// Parsing a metadata document without holding the request thread: the API model lets a document
// be 10,000,000 characters long, and building its DOM takes far longer than any request may hold
// the event loop. A small document (every real IdP's) is parsed in place; a larger one in a worker
// thread of its own, one at a time, with a time and memory budget — a document that exceeds them
// is refused like any other unusable one.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { oneAtATime, runInWorker } from '../bounded-worker.ts';
import { invalidMetadata, parseSamlMetadata, type ParsedMetadata } from './saml-metadata.ts';

/** Up to this many characters a document is parsed in place (a few milliseconds). */
export const INLINE_PARSE_LIMIT = 32_768;
const BUDGET = { timeoutMs: 30_000, heapMb: 512 };
const ROLE = 'portcullis-saml-metadata';

type Answer = { readonly parsed: ParsedMetadata } | { readonly invalid: true };

const inTurn = oneAtATime();

export function parseMetadataBounded(text: string): Promise<ParsedMetadata> {
  if (text.length <= INLINE_PARSE_LIMIT) {
    try {
      return Promise.resolve(parseSamlMetadata(text));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return inTurn(() => parseInWorker(text));
}

async function parseInWorker(text: string): Promise<ParsedMetadata> {
  const job = { role: ROLE, text };
  const answer = await runInWorker<Answer>(import.meta.url, job, BUDGET);
  if (answer && 'parsed' in answer) return answer.parsed;
  throw invalidMetadata();
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  let answer: Answer;
  try {
    answer = { parsed: parseSamlMetadata((workerData as { text: string }).text) };
  } catch {
    answer = { invalid: true };
  }
  parentPort!.postMessage(answer);
}
