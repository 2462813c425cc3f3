// The account's MFA options beyond AWS's (domain/portcullis/mfa-options.ts), a section of the
// Account settings page: every option off until an administrator turns it on, all saved at once
// by portcullis:UpdateAccountMfaOptions.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type ConsoleContext, type Signed, callPortcullis } from '../context.ts';
import { field, html, type Html } from '../html.ts';
import { formText, redirect } from '../web.ts';
import { LOCKOUT_FAILURES, ORPHANED_DEVICE_HOURS } from '../../domain/portcullis/mfa-options.ts';
import { type Messages, action, checkbox, postForm, problemBox, statusOf } from './common.ts';
import { orphanedDevicesSection } from './orphaned-mfa-devices.ts';

/** The switches, by the operation's member names. */
const SWITCHES: readonly (readonly [string, string])[] = [
  [
    'RecoveryCodes',
    'Recovery codes: users get ten one-time codes when they enrol an MFA device, each usable once instead of a code at sign-in',
  ],
  [
    'AdminReset',
    "Administrator MFA reset: administrators allowed portcullis:ResetUserMFA can remove a user's MFA devices; the user enrols again at the next sign-in",
  ],
  [
    'EnrolmentGracePeriods',
    'Enrolment grace periods: members of a group with a grace period must enrol MFA in time; after it, the console allows nothing but enrolment',
  ],
];

export function registerMfaOptions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  settingsPath: string,
  /** The settings page again, with the refusal. */
  onError: (signed: Signed, reply: FastifyReply, status: number, messages: Messages) => Promise<FastifyReply>,
): void {
  action(server, ctx, `${settingsPath}/mfa-options`, async (signed, form, _params, reply) => {
    const input: Record<string, unknown> = {};
    for (const [member] of SWITCHES) input[member] = form.get(member) === 'true';
    for (const member of ['LockoutFailures', 'OrphanedDeviceHours']) {
      const text = formText(form, member, 16);
      if (text !== '') input[member] = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    }
    const result = await callPortcullis(signed.caller, ctx, 'UpdateAccountMfaOptions', input);
    if (!result.ok) return onError(signed, reply, statusOf(result.error), { error: result.error });
    return redirect(reply, `${settingsPath}?notice=mfa-options-saved`);
  });
}

export async function mfaOptionsSection(
  ctx: ConsoleContext,
  signed: Signed,
  settingsPath: string,
): Promise<Html> {
  const options = await callPortcullis(signed.caller, ctx, 'GetAccountMfaOptions');
  const body = !options.ok
    ? problemBox(options.error)
    : postForm(
        `${settingsPath}/mfa-options`,
        signed.record.csrf,
        html`${SWITCHES.map(([member, label]) =>
            checkbox({ id: member, label, checked: options.output[member] === true }),
          )}
          ${field({
            id: 'LockoutFailures',
            label: `Sign-in lockout: lock a user out after this many wrong passwords or codes, until the lock expires or an administrator allowed portcullis:UnlockUserSignIn unlocks it (${LOCKOUT_FAILURES.min} to ${LOCKOUT_FAILURES.max}; empty: the built-in back-off only)`,
            type: 'number',
            value: options.output.LockoutFailures === undefined ? '' : String(options.output.LockoutFailures),
            required: false,
          })}
          ${field({
            id: 'OrphanedDeviceHours',
            label: `Delete virtual MFA devices left unassigned (an abandoned enrolment) after this many hours (${ORPHANED_DEVICE_HOURS.min} to ${ORPHANED_DEVICE_HOURS.max}; empty: keep them)`,
            type: 'number',
            value:
              options.output.OrphanedDeviceHours === undefined
                ? ''
                : String(options.output.OrphanedDeviceHours),
            required: false,
          })} <button type="submit">Save MFA options</button>`,
        { label: 'MFA options beyond AWS' },
      );
  return html`<section aria-labelledby="mfa-options-heading">
      <h2 id="mfa-options-heading">MFA options beyond AWS</h2>
      <p>Features AWS does not have, each off until turned on here, for this account only.</p>
      ${body}
    </section>
    ${await orphanedDevicesSection(ctx, signed)}`;
}
