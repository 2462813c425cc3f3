// Administrator-assisted MFA reset on a user's Security credentials tab (domain/portcullis/
// mfa-reset.ts): who last reset the user's MFA and whether the user has enrolled since, and a
// confirmed "Reset MFA" — shown only while the account has the option on.
import type { FastifyInstance } from 'fastify';
import { type ConsoleContext, type Signed, callPortcullis } from '../context.ts';
import { dangerForm, html, type Html } from '../html.ts';
import { ADMIN_RESET_OFF } from '../../domain/portcullis/mfa-reset.ts';
import { ADMIN, path, problemBox } from './common.ts';
import { type Render, userCredentialAction } from './user-ssh-and-certificates.ts';

export const MFA_RESET_NOTICES: Readonly<Record<string, string>> = {
  'mfa-reset':
    "The user's MFA was reset: their MFA devices were removed and they must enrol again at next sign-in.",
};

export function registerMfaResetAction(server: FastifyInstance, ctx: ConsoleContext, render: Render): void {
  userCredentialAction(server, ctx, render, 'mfa/reset', async (signed, _form, name) => {
    const result = await callPortcullis(signed.caller, ctx, 'ResetUserMFA', { UserName: name });
    return result.ok ? 'mfa-reset' : { error: result.error };
  });
}

/** The section, or '' when the account has administrator MFA reset off. */
export async function mfaResetSection(ctx: ConsoleContext, signed: Signed, name: string): Promise<Html | ''> {
  const status = await callPortcullis(signed.caller, ctx, 'GetUserMFAReset', { UserName: name });
  if (!status.ok && status.error.message === ADMIN_RESET_OFF) return '';
  const out = status.ok ? status.output : {};
  const state = !status.ok
    ? problemBox(status.error)
    : out.ResetBy
      ? html`<p id="mfa-reset-status">
          MFA was reset by <code>${String(out.ResetBy)}</code> on
          ${String(out.ResetDate)}${
            out.EnrolmentRequired
              ? '; the user must enrol at next sign-in.'
              : '; the user has enrolled an MFA device since.'
          }
        </p>`
      : html`<p id="mfa-reset-status">MFA has not been reset by an administrator.</p>`;
  return html`<section aria-labelledby="mfa-reset-heading">
    <h2 id="mfa-reset-heading">MFA reset</h2>
    <p>
      Resetting removes every MFA device of ${name} (virtual devices and security keys), signs ${name} out of
      the console, and requires enrolling a new device at the next sign-in.
    </p>
    ${state}
    ${dangerForm(
      `${path(`${ADMIN}/users`, name)}/mfa/reset`,
      signed.record.csrf,
      'Reset MFA',
      {},
      `${name}'s MFA devices are removed for good and ${name} is signed out. This cannot be undone.`,
    )}
  </section>`;
}
