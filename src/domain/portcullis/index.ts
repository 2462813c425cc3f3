// Portcullis's own operations: features beyond AWS's IAM (the account's MFA options, and what they
// allow administrators to do). They are authorized by the engine like IAM's, with actions of the
// "portcullis" service (portcullis:ResetUserMFA, …), and reached from the console only: no AWS
// client knows them.
import type { Operation } from '../operation.ts';
import { mfaOptionOperations } from './mfa-options.ts';
import { signInLockOperations } from './sign-in-locks.ts';
import { orphanedDeviceOperations } from './orphaned-mfa-devices.ts';
import { mfaResetOperations } from './mfa-reset.ts';
import { mfaGracePeriodOperations } from './mfa-grace-periods.ts';
import { recoveryCodeOperations } from './recovery-codes.ts';

export const portcullisOperations: Readonly<Record<string, Operation>> = {
  ...mfaOptionOperations,
  ...signInLockOperations,
  ...orphanedDeviceOperations,
  ...mfaResetOperations,
  ...mfaGracePeriodOperations,
  ...recoveryCodeOperations,
};
