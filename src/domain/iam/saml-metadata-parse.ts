// Parsing a metadata document without holding the request thread: the API model lets a document
// be 10,000,000 characters long, and building its DOM takes far longer than any request may hold
// the event loop. A small document (every real IdP's) is parsed in place; a larger one in a worker
// thread of its own, one at a time, with a time and memory budget — a document that exceeds them
// is refused like any other unusable one.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { invalidMetadata, parseSamlMetadata, type ParsedMetadata } from './saml-metadata.ts';

/** Up to this many characters a document is parsed in place (a few milliseconds). */
export const INLINE_PARSE_LIMIT = 32_768;
const WORKER_TIMEOUT_MS = 30_000;
const WORKER_HEAP_MB = 512;
const ROLE = 'portcullis-saml-metadata';

type Answer = { readonly parsed: ParsedMetadata } | { readonly invalid: true };

let queue: Promise<unknown> = Promise.resolve();

export function parseMetadataBounded(text: string): Promise<ParsedMetadata> {
  if (text.length <= INLINE_PARSE_LIMIT) {
    try {
      return Promise.resolve(parseSamlMetadata(text));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  const turn = queue.then(() => parseInWorker(text));
  queue = turn.catch(() => undefined);
  return turn;
}

function parseInWorker(text: string): Promise<ParsedMetadata> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), {
      eval: true,
      workerData: { role: ROLE, text },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const finish = (answer: Answer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (answer && 'parsed' in answer) resolve(answer.parsed);
      else reject(invalidMetadata());
    };
    const timer = setTimeout(() => finish(undefined), WORKER_TIMEOUT_MS);
    worker.once('message', (answer: Answer) => finish(answer));
    worker.once('error', () => finish(undefined));
    worker.once('exit', () => finish(undefined));
  });
}

function workerEntry(): string {
  const self = JSON.stringify(import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return `import(${self});`;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((tsx) => { tsx.register(); return import(${self}); });`;
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
