// What an authenticator app does, for the MFA tests: codes from the seed CreateVirtualMFADevice
// returned, and a QR decoder for its PNG.
import { createRequire } from 'node:module';
import { totpCode } from '../../../src/crypto/totp.ts';

const STEP_MS = 30_000;

/** The seed as the SDK hands it over: a blob holding the base32 text. */
export function seedOf(blob: Uint8Array | undefined): string {
  if (!blob) throw new Error('no Base32StringSeed in the response');
  return Buffer.from(blob).toString('utf8');
}

/** Two consecutive codes, as a person reads them off the app: the previous step's and the current one. */
export function consecutiveCodes(seed: string, atMs = Date.now()): { code1: string; code2: string } {
  return { code1: totpCode(seed, atMs - STEP_MS), code2: totpCode(seed, atMs) };
}

/** Codes `steps` steps from now (negative: in the past). */
export function codeAt(seed: string, steps: number, atMs = Date.now()): string {
  return totpCode(seed, atMs + steps * STEP_MS);
}

/** A six-digit code that is none of the device's codes anywhere near now. */
export function wrongCode(seed: string, atMs = Date.now()): string {
  const near = new Set<string>();
  for (let k = -12; k <= 12; k++) near.add(totpCode(seed, atMs + k * STEP_MS));
  for (let n = 123456; ; n = (n + 111111) % 1_000_000) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

// pngjs comes with qrcode (its PNG writer); jsqr is a dev dependency. Neither ships ESM types
// that fit, so they are loaded through require with the little shape the tests use.
const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as {
  PNG: { sync: { read(data: Buffer): { width: number; height: number; data: Buffer } } };
};
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsqrModule = require('jsqr') as Decode | { default: Decode };
const jsQR: Decode = typeof jsqrModule === 'function' ? jsqrModule : jsqrModule.default;

/** Decodes a QR code PNG to the text it holds, as a phone's camera would. */
export function decodeQrPng(png: Uint8Array): string {
  const image = PNG.sync.read(Buffer.from(png));
  const decoded = jsQR(
    new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    image.width,
    image.height,
  );
  if (!decoded) throw new Error('no QR code found in the PNG');
  return decoded.data;
}
