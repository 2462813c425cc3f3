// UploadServerCertificate's checks, on certificates made by openssl: what IAM accepts, and each
// refusal with AWS's code and message.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, test } from 'node:test';
import {
  encryptedKey,
  makeChain,
  selfSigned,
  traditionalRsaKey,
  type CertificateChain,
  type KeyPair,
} from '../../../test/support/server-certificates.ts';
import { IamError } from '../errors.ts';
import {
  EXPIRED_MESSAGE,
  KEY_PAIR_MISMATCH_MESSAGE,
  UNPARSEABLE_MESSAGE,
  UNSUPPORTED_KEY_MESSAGE,
  chainMessage,
  checkServerCertificate,
} from './server-certificate-validation.ts';

let ca: CertificateChain;
let other: KeyPair;
const now = new Date();

before(() => {
  ca = makeChain();
  other = selfSigned('other.example.com');
});

function refusal(code: string, message: string) {
  return (error: unknown) => {
    assert.ok(error instanceof IamError, String(error));
    assert.deepEqual({ code: error.code, message: error.message }, { code, message });
    return true;
  };
}

const unparseable = refusal('MalformedCertificate', UNPARSEABLE_MESSAGE);

test("a leaf with its key and chain is accepted, and its expiration is the certificate's notAfter", async () => {
  const { leaf, intermediate, root } = ca;
  const checked = await checkServerCertificate(
    { body: leaf.cert, privateKey: leaf.key, chain: intermediate.cert + root.cert },
    now,
  );
  const notAfter = new Date(new X509Certificate(leaf.cert).validTo);
  assert.equal(checked.expiration, notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  // Without the root, without any chain, and with the key in PKCS#1 form: all accepted.
  await checkServerCertificate({ body: leaf.cert, privateKey: leaf.key, chain: intermediate.cert }, now);
  await checkServerCertificate({ body: leaf.cert, privateKey: traditionalRsaKey(leaf.key) }, now);
});

test('ECDSA keys on P-256 and P-384 are accepted; Ed25519 and short RSA keys are not', async () => {
  for (const curve of ['prime256v1', 'secp384r1']) {
    const pair = selfSigned('ec.example.com', curve);
    await checkServerCertificate({ body: pair.cert, privateKey: pair.key }, now);
  }
  for (const algorithm of ['ed25519', 'rsa:768']) {
    const pair = selfSigned('odd.example.com', algorithm);
    await assert.rejects(
      checkServerCertificate({ body: pair.cert, privateKey: pair.key }, now),
      refusal('MalformedCertificate', UNSUPPORTED_KEY_MESSAGE),
      algorithm,
    );
  }
});

test('a body that is not one PEM certificate is MalformedCertificate', async () => {
  const { leaf, intermediate } = ca;
  const bodies = [
    'certificate-body',
    leaf.key,
    // A line of the base64 left out: the DER inside the armour no longer parses.
    leaf.cert
      .split('\n')
      .filter((_, i) => i !== 2)
      .join('\n'),
    `Subject: CN=www.example.com\n${leaf.cert}`,
    leaf.cert + intermediate.cert,
  ];
  for (const body of bodies) {
    await assert.rejects(checkServerCertificate({ body, privateKey: leaf.key }, now), unparseable, body);
  }
});

test('a private key that is not an unencrypted PEM key is MalformedCertificate', async () => {
  const { leaf } = ca;
  for (const privateKey of [
    'private-key',
    leaf.cert,
    encryptedKey(leaf.key),
    leaf.key.replace(/\n[A-Za-z0-9+/]{10}/, '\n!'),
  ]) {
    await assert.rejects(checkServerCertificate({ body: leaf.cert, privateKey }, now), unparseable);
  }
});

test("another certificate's key is KeyPairMismatch", async () => {
  await assert.rejects(
    checkServerCertificate({ body: ca.leaf.cert, privateKey: other.key }, now),
    refusal('KeyPairMismatch', KEY_PAIR_MISMATCH_MESSAGE),
  );
});

test('an expired certificate is MalformedCertificate', async () => {
  const notAfter = Date.parse(new X509Certificate(ca.leaf.cert).validTo);
  await assert.rejects(
    checkServerCertificate({ body: ca.leaf.cert, privateKey: ca.leaf.key }, new Date(notAfter + 1000)),
    refusal('MalformedCertificate', EXPIRED_MESSAGE),
  );
});

test('a chain out of order names the index of the certificate its successor did not sign', async () => {
  const { leaf, intermediate, root } = ca;
  const cases: [string, number][] = [
    [root.cert + intermediate.cert, -1],
    [other.cert, -1],
    [intermediate.cert + other.cert, 0],
    [intermediate.cert + root.cert + intermediate.cert, 1],
  ];
  for (const [chain, index] of cases) {
    await assert.rejects(
      checkServerCertificate({ body: leaf.cert, privateKey: leaf.key, chain }, now),
      refusal('MalformedCertificate', chainMessage(index)),
      String(index),
    );
  }
  await assert.rejects(
    checkServerCertificate(
      { body: leaf.cert, privateKey: leaf.key, chain: `text\n${intermediate.cert}` },
      now,
    ),
    unparseable,
  );
});

test('a long chain is verified a few milliseconds at a time, letting other work run between', async () => {
  const { leaf, intermediate, root } = ca;
  // A self-signed root signs itself: a chain that repeats it is valid, and long.
  const chain = intermediate.cert + root.cert.repeat(200);
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  await checkServerCertificate({ body: leaf.cert, privateKey: leaf.key, chain }, now);
  counting = false;
  // Without a yield the check would end before other work ran at all.
  assert.ok(turns >= 2, `other work ran ${turns} times`);
});
