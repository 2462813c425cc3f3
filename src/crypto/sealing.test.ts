import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createSealer, generateMasterKey, masterKeyId, parseMasterKey, sealedKeyId } from './sealing.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CONTEXT = 'access-key:AKIAIOSFODNN7EXAMPLE';

test('a sealed secret opens with the same key and context', () => {
  const s = createSealer(generateMasterKey());
  const sealed = s.seal(SECRET, CONTEXT);
  assert.match(sealed, /^v2\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  assert.equal(sealedKeyId(sealed), s.keyId);
  assert.equal(s.open(sealed, CONTEXT), SECRET);
  assert.equal(s.open(s.seal('', CONTEXT), CONTEXT), '');
  assert.equal(s.open(s.seal('päss ✓', CONTEXT), CONTEXT), 'päss ✓');
});

test('the plaintext does not appear in the sealed form', () => {
  const sealed = createSealer(generateMasterKey()).seal(SECRET, CONTEXT);
  assert.ok(!sealed.includes(SECRET));
  assert.ok(!sealed.includes(Buffer.from(SECRET).toString('base64url')));
});

test('sealing the same secret twice gives different outputs (fresh IV each time)', () => {
  const s = createSealer(generateMasterKey());
  const a = s.seal(SECRET, CONTEXT);
  const b = s.seal(SECRET, CONTEXT);
  assert.notEqual(a, b);
  assert.notEqual(a.split('.')[2], b.split('.')[2]);
});

test('a sealed value moved to another row (other context) fails to open', () => {
  const s = createSealer(generateMasterKey());
  const sealed = s.seal(SECRET, CONTEXT);
  assert.throws(() => s.open(sealed, 'access-key:AKIAOTHERKEY000000000'), /could not be opened/);
});

test('a sealed value opened with another master key fails', () => {
  const sealed = createSealer(generateMasterKey()).seal(SECRET, CONTEXT);
  assert.throws(() => createSealer(generateMasterKey()).open(sealed, CONTEXT), /could not be opened/);
});

test('any single-character change to a sealed value is detected', () => {
  const s = createSealer(generateMasterKey());
  const sealed = s.seal(SECRET, CONTEXT);
  for (let i = 0; i < sealed.length; i++) {
    if (sealed[i] === '.') continue;
    const c = sealed[i] === 'A' ? 'B' : 'A';
    const tampered = sealed.slice(0, i) + c + sealed.slice(i + 1);
    let opened: string | undefined;
    try {
      opened = s.open(tampered, CONTEXT);
    } catch {
      continue;
    }
    // A change in the last base64url character's unused low bits decodes to the same bytes.
    assert.equal(opened, SECRET, `position ${i} opened to something else`);
  }
});

test('malformed sealed values fail with a generic error that echoes nothing', () => {
  const s = createSealer(generateMasterKey());
  for (const bad of [
    '',
    'v1',
    'v2.a.b.c',
    'v1.a.b',
    'v1.!!.b.c',
    SECRET,
    'v1.AAAA.BBBB.CCCC',
    'v2.AAAA.BBBB.CCCC.DDDD',
  ]) {
    assert.throws(
      () => s.open(bad, CONTEXT),
      (e: Error) =>
        e.message.startsWith('A sealed secret could not be opened') &&
        (bad === '' || !e.message.includes(bad)),
    );
  }
});

test('master keys parse from 64 hex characters or base64, and anything else is refused without echo', () => {
  const key = generateMasterKey();
  assert.deepEqual(parseMasterKey(key.toString('hex')), key);
  assert.deepEqual(parseMasterKey(key.toString('base64')), key);
  assert.deepEqual(parseMasterKey(`  ${key.toString('base64url')}\n`), key);
  for (const bad of [
    '',
    'short',
    key.toString('hex').slice(2),
    'z'.repeat(64),
    key.subarray(0, 16).toString('base64'),
  ]) {
    assert.throws(
      () => parseMasterKey(bad),
      (e: Error) => /must be 32 bytes/.test(e.message) && (bad.length < 4 || !e.message.includes(bad)),
    );
  }
  assert.throws(() => createSealer(Buffer.alloc(16)));
});

test('MACs: the same master key gives the same MAC on every node; another purpose or key another', () => {
  const master = generateMasterKey();
  const one = createSealer(master);
  const other = createSealer(Buffer.from(master));
  assert.equal(one.mac('form', 'value'), other.mac('form', 'value'));
  assert.notEqual(one.mac('form', 'value'), one.mac('another-form', 'value'));
  assert.notEqual(one.mac('form', 'value'), createSealer(generateMasterKey()).mac('form', 'value'));
  assert.match(one.mac('form', 'value'), /^[A-Za-z0-9_-]{43}$/);
});

test('MACs made under a previous master key still match during a rotation, and only its', () => {
  const previous = generateMasterKey();
  const issued = createSealer(previous).mac('form', 'value');
  const rotating = createSealer(generateMasterKey(), [previous]);
  assert.ok(rotating.macMatches('form', 'value', issued));
  assert.ok(rotating.macMatches('form', 'value', rotating.mac('form', 'value')));
  assert.ok(!rotating.macMatches('form', 'other value', issued));
  assert.ok(!rotating.macMatches('another-form', 'value', issued));
  assert.ok(!createSealer(generateMasterKey()).macMatches('form', 'value', issued));
  assert.notEqual(rotating.mac('form', 'value'), issued, 'new MACs are made under the current key');
});

/** A value in the first format (v1, no key id), as the first release sealed it. */
function sealV1(masterKey: Buffer, plaintext: string, context: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'portcullis/sealing/v1/aes-256-gcm', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(`portcullis-seal:v1\0${context}`, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, ciphertext, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

test('values of the first format (no key id) still open, under the current or a previous key', () => {
  const old = generateMasterKey();
  const sealed = sealV1(old, SECRET, CONTEXT);
  assert.equal(createSealer(old).open(sealed, CONTEXT), SECRET);
  assert.equal(createSealer(generateMasterKey(), [old]).open(sealed, CONTEXT), SECRET);
  assert.throws(() => createSealer(generateMasterKey()).open(sealed, CONTEXT), /could not be opened/);
  assert.throws(
    () => createSealer(old).open(sealed, 'access-key:AKIAOTHERKEY000000000'),
    /could not be opened/,
  );
});

test('during a rotation: values of either key open, new ones are sealed under the new key', () => {
  const [old, next] = [generateMasterKey(), generateMasterKey()];
  const before = createSealer(old).seal(SECRET, CONTEXT);
  const during = createSealer(next, [old]);
  assert.equal(during.keyId, masterKeyId(next));
  assert.equal(during.open(before, CONTEXT), SECRET);
  const after = during.seal(SECRET, CONTEXT);
  assert.equal(sealedKeyId(after), masterKeyId(next));
  // Nodes still sealing under the old key, with the new one given as previous, open both too.
  assert.equal(createSealer(old, [next]).open(after, CONTEXT), SECRET);
  assert.throws(() => createSealer(old).open(after, CONTEXT), /could not be opened/);
});

test('reseal: a value under another key comes back under the current one; a current one stays', () => {
  const [old, next] = [generateMasterKey(), generateMasterKey()];
  const during = createSealer(next, [old]);
  const resealed = during.reseal(createSealer(old).seal(SECRET, CONTEXT), CONTEXT);
  assert.ok(resealed);
  assert.equal(sealedKeyId(resealed), during.keyId);
  assert.equal(createSealer(next).open(resealed, CONTEXT), SECRET);
  assert.throws(() => createSealer(old).open(resealed, CONTEXT), /could not be opened/);
  assert.equal(during.reseal(resealed, CONTEXT), undefined);
  assert.ok(during.reseal(sealV1(old, SECRET, CONTEXT), CONTEXT));
  // A value no key opens is an error, not a silent pass.
  assert.throws(() => during.reseal(createSealer(generateMasterKey()).seal(SECRET, CONTEXT), CONTEXT));
});

test('key ids: the same key gives the same id, another key another, and the id is not the key', () => {
  const key = generateMasterKey();
  assert.equal(masterKeyId(key), masterKeyId(Buffer.from(key)));
  assert.notEqual(masterKeyId(key), masterKeyId(generateMasterKey()));
  assert.match(masterKeyId(key), /^[A-Za-z0-9_-]{12}$/);
  assert.ok(!key.toString('base64url').includes(masterKeyId(key)));
});
