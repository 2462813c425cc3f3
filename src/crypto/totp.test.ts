import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTotpSecret, totpCode, totpStep, totpUri, verifyConsecutiveTotp, verifyTotp } from './totp.ts';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (ASCII), truncated to 6 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const T0 = 1_700_000_000_000;

test('codes match RFC 6238 test vectors (SHA-1, 30 s, last 6 digits)', () => {
  assert.equal(totpCode(RFC_SECRET, 59_000), '287082');
  assert.equal(totpCode(RFC_SECRET, 1_111_111_109_000), '081804');
  assert.equal(totpCode(RFC_SECRET, 1_234_567_890_000), '005924');
  assert.equal(totpCode(RFC_SECRET, 20_000_000_000_000), '353130');
});

test('new secrets are 160-bit base32 seeds and differ each time', () => {
  const a = newTotpSecret();
  assert.match(a, /^[A-Z2-7]{32}$/);
  assert.notEqual(a, newTotpSecret());
});

test('the URI is an otpauth://totp URI carrying the secret, issuer and account', () => {
  const secret = newTotpSecret();
  const uri = totpUri({ secret, issuer: 'Portcullis', accountName: 'alice@123456789012' });
  assert.ok(uri.startsWith('otpauth://totp/'));
  assert.ok(uri.includes(`secret=${secret}`));
  assert.ok(uri.includes('issuer=Portcullis'));
  assert.ok(uri.includes('alice%40123456789012'));
});

test('the current code is accepted and reports its step', () => {
  const secret = newTotpSecret();
  assert.deepEqual(verifyTotp({ secret, code: totpCode(secret, T0), atMs: T0 }), {
    ok: true,
    step: totpStep(T0),
  });
});

test('a TOTP code cannot be used twice in one time step (replay is refused)', () => {
  const secret = newTotpSecret();
  const code = totpCode(secret, T0);
  const first = verifyTotp({ secret, code, atMs: T0 });
  assert.equal(first.ok, true);
  const lastUsedStep = first.ok ? first.step : -1;
  assert.deepEqual(verifyTotp({ secret, code, atMs: T0 + 1000, lastUsedStep }), { ok: false });
  // Nor a code from an earlier step that is still inside the window.
  const previous = totpCode(secret, T0 - 30_000);
  assert.deepEqual(verifyTotp({ secret, code: previous, atMs: T0, lastUsedStep }), { ok: false });
  // The next step's code is fine.
  assert.equal(
    verifyTotp({ secret, code: totpCode(secret, T0 + 30_000), atMs: T0 + 30_000, lastUsedStep }).ok,
    true,
  );
});

test('codes one step away are accepted; codes outside the window are rejected', () => {
  const secret = newTotpSecret();
  assert.equal(verifyTotp({ secret, code: totpCode(secret, T0 - 30_000), atMs: T0 }).ok, true);
  assert.equal(verifyTotp({ secret, code: totpCode(secret, T0 + 30_000), atMs: T0 }).ok, true);
  assert.equal(verifyTotp({ secret, code: totpCode(secret, T0 - 90_000), atMs: T0 }).ok, false);
  assert.equal(verifyTotp({ secret, code: totpCode(secret, T0 + 90_000), atMs: T0 }).ok, false);
  assert.equal(verifyTotp({ secret, code: totpCode(secret, T0 - 30_000), atMs: T0, window: 0 }).ok, false);
});

test('a code that is not exactly six digits is rejected', () => {
  const secret = newTotpSecret();
  const code = totpCode(secret, T0);
  for (const bad of [code + '0', code.slice(1), ` ${code}`, `${code.slice(0, 5)}a`, '', '１２３４５６']) {
    assert.deepEqual(verifyTotp({ secret, code: bad, atMs: T0 }), { ok: false }, bad);
  }
});

test('a code from another secret is rejected', () => {
  assert.equal(
    verifyTotp({ secret: newTotpSecret(), code: totpCode(newTotpSecret(), T0), atMs: T0 }).ok,
    false,
  );
});

test('an out-of-range window or a malformed stored secret is a server error, not a pass', () => {
  assert.throws(() => verifyTotp({ secret: newTotpSecret(), code: '123456', atMs: T0, window: 100 }));
  assert.throws(
    () => verifyTotp({ secret: 'not base32!', code: '123456', atMs: T0 }),
    (e: Error) => !e.message.includes('not base32!'),
  );
});

test("two consecutive codes enable a device and return the second code's step", () => {
  const secret = newTotpSecret();
  const code1 = totpCode(secret, T0 - 30_000);
  const code2 = totpCode(secret, T0);
  assert.deepEqual(verifyConsecutiveTotp({ secret, code1, code2, atMs: T0 }), {
    ok: true,
    step: totpStep(T0),
  });
});

test('two codes that are not consecutive, or in the wrong order, are rejected', () => {
  const secret = newTotpSecret();
  const c = (dt: number) => totpCode(secret, T0 + dt);
  assert.equal(verifyConsecutiveTotp({ secret, code1: c(0), code2: c(-30_000), atMs: T0 }).ok, false);
  assert.equal(verifyConsecutiveTotp({ secret, code1: c(-60_000), code2: c(0), atMs: T0 }).ok, false);
  assert.equal(verifyConsecutiveTotp({ secret, code1: c(0), code2: c(0), atMs: T0 }).ok, false);
});

test('consecutive codes within ±2 steps of drift are accepted, beyond it rejected unless the window is widened', () => {
  const secret = newTotpSecret();
  const pair = (dt: number) => ({
    code1: totpCode(secret, T0 + dt - 30_000),
    code2: totpCode(secret, T0 + dt),
  });
  assert.equal(verifyConsecutiveTotp({ secret, ...pair(60_000), atMs: T0 }).ok, true);
  assert.equal(verifyConsecutiveTotp({ secret, ...pair(-60_000), atMs: T0 }).ok, true);
  assert.equal(verifyConsecutiveTotp({ secret, ...pair(120_000), atMs: T0 }).ok, false);
  assert.equal(verifyConsecutiveTotp({ secret, ...pair(300_000), atMs: T0, window: 10 }).ok, true);
});

test('consecutive codes already used are refused (resync cannot replay old codes)', () => {
  const secret = newTotpSecret();
  const code1 = totpCode(secret, T0 - 30_000);
  const code2 = totpCode(secret, T0);
  assert.equal(
    verifyConsecutiveTotp({ secret, code1, code2, atMs: T0, lastUsedStep: totpStep(T0) }).ok,
    false,
  );
  assert.equal(
    verifyConsecutiveTotp({ secret, code1, code2, atMs: T0, lastUsedStep: totpStep(T0) - 1 }).ok,
    false,
  );
  assert.equal(
    verifyConsecutiveTotp({ secret, code1, code2, atMs: T0, lastUsedStep: totpStep(T0) - 2 }).ok,
    true,
  );
});
