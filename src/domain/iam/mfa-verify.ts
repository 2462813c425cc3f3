// (placeholder until the MFA family lands: no device verifies)
import type { Iam } from '../iam.ts';
import type { StoreTx } from '../store.ts';

export async function verifyMfaCode(
  _iam: Iam,
  _tx: StoreTx,
  _account: string,
  _serialNumber: string,
  _userName: string | undefined,
  _code: string,
): Promise<{ ok: true } | { ok: false; reason: 'unknown-device' | 'invalid-code' | 'throttled' }> {
  return { ok: false, reason: 'unknown-device' };
}
