// Security property: a TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) is accepted only if it is
// exactly six digits, matches a step within a small bounded window of now (compared in constant
// time, every step in the window checked, no early exit), and its step is later than the last
// step this device accepted, so no code is ever accepted twice.
import { randomBytes } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import { equalsConstantTime } from './constant-time.ts';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ALGORITHM = 'SHA1';
/** Largest drift window a caller may ask for: ±20 steps (±10 minutes). */
const MAX_WINDOW = 20;

export type TotpResult = { ok: true; step: number } | { ok: false };

/** A new seed: 160 random bits, base32 without padding (32 characters), as AWS's Base32StringSeed. */
export function newTotpSecret(): string {
  return new Secret({ buffer: Uint8Array.from(randomBytes(20)).buffer }).base32;
}

/** The `otpauth://totp/...` URI an authenticator app reads from a QR code. */
export function totpUri({
  secret,
  issuer,
  accountName,
}: {
  secret: string;
  issuer: string;
  accountName: string;
}): string {
  return new TOTP({
    issuer,
    label: accountName,
    secret: parseSecret(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

/** The time step (30 s counter) that contains `atMs`. */
export function totpStep(atMs: number): number {
  return Math.floor(atMs / 1000 / PERIOD_SECONDS);
}

/** The code for the step containing `atMs` (for tests, and for the CI helper). */
export function totpCode(secret: string, atMs: number): string {
  return codeForStep(parseSecret(secret), totpStep(atMs));
}

/**
 * Checks one code (sign-in, GetSessionToken/AssumeRole with MFA). Accepts steps within
 * ±`window` (default 1, i.e. ±30 s) of `atMs`, and only steps after `lastUsedStep`. On success,
 * store the returned step as the device's new lastUsedStep.
 */
export function verifyTotp(args: {
  secret: string;
  code: string;
  atMs: number;
  window?: number;
  lastUsedStep?: number;
}): TotpResult {
  const { code, atMs, lastUsedStep } = args;
  const window = checkedWindow(args.window ?? 1);
  if (!isSixDigits(code) || !Number.isFinite(atMs)) return { ok: false };
  const key = parseSecret(args.secret);
  const now = totpStep(atMs);
  let found: number | undefined;
  for (let step = now - window; step <= now + window; step++) {
    const matches = equalsConstantTime(codeForStep(key, step), code);
    const fresh = lastUsedStep === undefined || step > lastUsedStep;
    if (matches && fresh && found === undefined) found = step;
  }
  return found === undefined ? { ok: false } : { ok: true, step: found };
}

/**
 * Checks the two consecutive codes of EnableMFADevice / ResyncMFADevice: code2 must be the code
 * of the step right after code1's, and code2's step must lie within ±`window` of `atMs`
 * (default 2 steps, ±60 s, to tolerate clock drift at enrolment; ResyncMFADevice may pass a
 * wider window, up to 20 steps). Returns code2's step, to store as the device's lastUsedStep.
 */
export function verifyConsecutiveTotp(args: {
  secret: string;
  code1: string;
  code2: string;
  atMs: number;
  window?: number;
  lastUsedStep?: number;
}): TotpResult {
  const { code1, code2, atMs, lastUsedStep } = args;
  const window = checkedWindow(args.window ?? 2);
  if (!isSixDigits(code1) || !isSixDigits(code2) || !Number.isFinite(atMs)) return { ok: false };
  const key = parseSecret(args.secret);
  const now = totpStep(atMs);
  let found: number | undefined;
  for (let step = now - window; step <= now + window; step++) {
    const second = equalsConstantTime(codeForStep(key, step), code2);
    const first = equalsConstantTime(codeForStep(key, step - 1), code1);
    const fresh = lastUsedStep === undefined || step - 1 > lastUsedStep;
    if (first && second && fresh && found === undefined) found = step;
  }
  return found === undefined ? { ok: false } : { ok: true, step: found };
}

function codeForStep(key: Secret, step: number): string {
  return HOTP.generate({ secret: key, algorithm: ALGORITHM, digits: DIGITS, counter: step });
}

function isSixDigits(code: unknown): code is string {
  return typeof code === 'string' && /^[0-9]{6}$/.test(code);
}

function checkedWindow(window: number): number {
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new Error(`A TOTP window is a whole number of steps from 0 to ${MAX_WINDOW}.`);
  }
  return window;
}

function parseSecret(secret: string): Secret {
  let key: Secret;
  try {
    key = Secret.fromBase32(secret);
  } catch {
    key = new Secret({ buffer: new ArrayBuffer(0) });
  }
  // 80 bits is RFC 4226's minimum; a shorter or unreadable seed is a server-side fault.
  if (typeof secret !== 'string' || key.bytes.length < 10)
    throw new Error('The stored TOTP secret is not valid base32.');
  return key;
}
