// SigV4 as the SDKs send it: header-signed requests, presigned URLs, clock skew and key status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { IAMClient, GetUserCommand } from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

class Sha256 {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash = secret ? createHmac('sha256', secret as string) : createHash('sha256');
  }
  update(data: unknown) {
    this.hash.update(data as string);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

async function presignedUrl(
  query: Record<string, string>,
  service = 'iam',
  expiresIn = 300,
): Promise<string> {
  const url = new URL(server.url);
  const signer = new SignatureV4({
    credentials: ROOT,
    region: 'us-east-1',
    service,
    sha256: Sha256 as never,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query,
    headers: { host: url.host },
  });
  const signed = await signer.presign(request, { expiresIn });
  const search = new URLSearchParams(signed.query as Record<string, string>).toString();
  return `${server.url}/?${search}`;
}

test('a presigned GET URL is accepted for IAM and for STS', async () => {
  const iam = await fetch(await presignedUrl({ Action: 'GetUser', Version: '2010-05-08' }));
  assert.equal(iam.status, 200);
  assert.match(await iam.text(), /<Arn>arn:aws:iam::123456789012:root<\/Arn>/);
  const sts = await fetch(await presignedUrl({ Action: 'GetCallerIdentity', Version: '2011-06-15' }, 'sts'));
  assert.equal(sts.status, 200);
  assert.match(
    await sts.text(),
    /<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/,
  );
});

test('a presigned URL whose query was altered is SignatureDoesNotMatch', async () => {
  const url = (await presignedUrl({ Action: 'GetUser', Version: '2010-05-08' })) + '&UserName=someone';
  const response = await fetch(url);
  assert.equal(response.status, 403);
  assert.match(await response.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
});

test('a signed request outside the 15-minute clock-skew window is rejected', async () => {
  const skewed = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: ROOT,
    maxAttempts: 1,
    systemClockOffset: -20 * 60 * 1000,
  });
  try {
    const error = await awsError(skewed.send(new GetUserCommand({})));
    assert.equal(error.status, 403);
    assert.match(
      error.message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
  } finally {
    skewed.destroy();
  }
});
