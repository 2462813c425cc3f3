// Verifying a SAML response without holding the request thread: the API model lets a
// SAMLAssertion be 100,000 characters long, and canonicalizing and digesting a document that size
// (xml-crypto walks it with XPath) takes longer than a request may hold the event loop. A response
// of the size real IdPs send is verified in place; a larger one in a worker thread, one at a time,
// with a time and memory budget — a response that exceeds them is refused like a malformed one.
import { X509Certificate } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { IamError } from '../errors.ts';
import {
  parseSamlResponse,
  verifySamlResponse,
  type SamlCheck,
  type SamlTrust,
  type VerifiedAssertion,
} from './saml-response.ts';

/** Up to this many characters a response is verified in place (a few milliseconds). */
export const INLINE_VERIFY_LIMIT = 16_384;
const WORKER_TIMEOUT_MS = 10_000;
const WORKER_HEAP_MB = 128;
/** Responses waiting for the worker beyond this many are refused rather than queued. */
const MAX_WAITING = 16;
const ROLE = 'portcullis-saml-verify';

interface Job {
  readonly role: typeof ROLE;
  readonly samlResponse: string;
  readonly entityId: string;
  readonly certificates: readonly string[];
  readonly now: number;
  readonly recipients: readonly string[];
}

type Answer =
  | { readonly verified: VerifiedAssertion }
  | { readonly error: { readonly code: string; readonly message: string } };

let queue: Promise<unknown> = Promise.resolve();
let waiting = 0;

const invalid = () => new IamError('InvalidIdentityToken', 'Invalid SAML response');

/** parseSamlResponse + verifySamlResponse, in place or in a worker by the response's size. */
export function verifySamlBounded(
  samlResponse: string,
  trust: SamlTrust,
  check: SamlCheck,
): Promise<VerifiedAssertion> {
  if (samlResponse.length <= INLINE_VERIFY_LIMIT) {
    try {
      return Promise.resolve(verifySamlResponse(parseSamlResponse(samlResponse), trust, check));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  if (waiting >= MAX_WAITING) return Promise.reject(invalid());
  waiting++;
  const job: Job = {
    role: ROLE,
    samlResponse,
    entityId: trust.entityId,
    certificates: trust.signingCertificates.map((c) => c.toString()),
    now: check.now.getTime(),
    recipients: [...check.recipients],
  };
  const turn = queue.then(() => verifyInWorker(job)).finally(() => waiting--);
  queue = turn.catch(() => undefined);
  return turn;
}

function verifyInWorker(job: Job): Promise<VerifiedAssertion> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), {
      eval: true,
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const finish = (answer: Answer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (answer && 'verified' in answer) resolve(answer.verified);
      else if (answer) reject(new IamError(answer.error.code, answer.error.message));
      else reject(invalid());
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
  const job = workerData as Job;
  let answer: Answer;
  try {
    const trust: SamlTrust = {
      entityId: job.entityId,
      signingCertificates: job.certificates.map((pem) => new X509Certificate(pem)),
    };
    const check: SamlCheck = { now: new Date(job.now), recipients: job.recipients };
    // Dates and Maps cross the thread boundary as they are (structured clone).
    answer = { verified: verifySamlResponse(parseSamlResponse(job.samlResponse), trust, check) };
  } catch (error) {
    answer =
      error instanceof IamError
        ? { error: { code: error.code, message: error.message } }
        : { error: { code: 'InvalidIdentityToken', message: 'Invalid SAML response' } };
  }
  parentPort!.postMessage(answer);
}
