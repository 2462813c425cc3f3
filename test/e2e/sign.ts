// Signs raw Query requests with the AWS SDK's own SigV4 signer, for tests that need to send what
// an SDK never would (odd parameters, random bodies) yet get past authentication.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import type { SourceData } from '@smithy/types';
import type { Credentials } from './harness.ts';

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function signedFetch(
  url: string,
  credentials: Credentials,
  body: string | Uint8Array,
  options: {
    service?: string;
    contentType?: string;
    /** Signed like any other header (test endpoints refuse some of them). */
    headers?: Record<string, string>;
    /** When the server's clock runs ahead (the test clock), the signature's time follows it. */
    signingDate?: Date;
  } = {},
): Promise<Response> {
  const target = new URL(url);
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: options.service ?? 'iam',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    headers: {
      host: target.host,
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8',
      ...options.headers,
    },
    body,
  });
  const signed = await signer.sign(request, options.signingDate ? { signingDate: options.signingDate } : {});
  return fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
}
