// Verifying a SAML response without holding the request thread: the API model lets a
// SAMLAssertion be 100,000 characters long, and canonicalizing and digesting a document that size
// (xml-crypto walks it with XPath) takes longer than a request may hold the event loop. A response
// of the size real IdPs send is verified in place; a larger one in a worker thread, one at a time,
// with a time and memory budget — a response that exceeds them is refused like a malformed one.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { oneAtATime, runInWorker } from '../bounded-worker.ts';
import { IamError } from '../errors.ts';
import {
  parseSamlResponse,
  verifySamlResponse,
  type SamlCheck,
  type SamlDecryption,
  type SamlTrust,
  type VerifiedAssertion,
} from './saml-response.ts';

/** Up to this many characters a response is verified in place (a few milliseconds). */
export const INLINE_VERIFY_LIMIT = 16_384;
const BUDGET = { timeoutMs: 10_000, heapMb: 128 };
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
  readonly privateKeys: readonly string[];
  readonly encryptionRequired: boolean;
}

/** The provider's private keys as PEM (they cross to a worker as text), and its encryption mode. */
export interface DecryptionKeys {
  readonly privateKeys: readonly string[];
  readonly required: boolean;
}

type Answer =
  | { readonly verified: VerifiedAssertion }
  | { readonly error: { readonly code: string; readonly message: string } };

const inTurn = oneAtATime();
let waiting = 0;

const invalid = () => new IamError('InvalidIdentityToken', 'Invalid SAML response');

/** parseSamlResponse + verifySamlResponse, in place or in a worker by the response's size. */
export function verifySamlBounded(
  samlResponse: string,
  trust: SamlTrust,
  check: SamlCheck,
  keys: DecryptionKeys = { privateKeys: [], required: false },
): Promise<VerifiedAssertion> {
  if (samlResponse.length <= INLINE_VERIFY_LIMIT) {
    try {
      return Promise.resolve(
        verifySamlResponse(parseSamlResponse(samlResponse), trust, check, decryptionOf(keys)),
      );
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
    privateKeys: [...keys.privateKeys],
    encryptionRequired: keys.required,
  };
  return inTurn(() => verifyInWorker(job)).finally(() => waiting--);
}

function decryptionOf(keys: DecryptionKeys): SamlDecryption {
  return {
    keys: keys.privateKeys.map((pem) => createPrivateKey({ key: pem, format: 'pem' })),
    required: keys.required,
  };
}

async function verifyInWorker(job: Job): Promise<VerifiedAssertion> {
  const answer = await runInWorker<Answer>(import.meta.url, job, BUDGET);
  if (answer && 'verified' in answer) return answer.verified;
  if (answer) throw new IamError(answer.error.code, answer.error.message);
  throw invalid();
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
    const decryption = decryptionOf({ privateKeys: job.privateKeys, required: job.encryptionRequired });
    answer = { verified: verifySamlResponse(parseSamlResponse(job.samlResponse), trust, check, decryption) };
  } catch (error) {
    answer =
      error instanceof IamError
        ? { error: { code: error.code, message: error.message } }
        : { error: { code: 'InvalidIdentityToken', message: 'Invalid SAML response' } };
  }
  parentPort!.postMessage(answer);
}
