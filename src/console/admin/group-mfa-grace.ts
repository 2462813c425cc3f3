// A group's MFA enrolment grace period, on its Users tab (domain/portcullis/mfa-grace-periods.ts):
// "Members must enrol MFA within N days" and/or "within N sign-ins", set, changed and removed —
// shown only while the account has grace periods on.
import type { FastifyInstance } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callPortcullis } from '../context.ts';
import { dangerForm, field, html, type Html } from '../html.ts';
import { GRACE_DAYS, GRACE_PERIODS_OFF, GRACE_SIGN_INS } from '../../domain/portcullis/mfa-grace-periods.ts';
import { formText, redirect } from '../web.ts';
import { type Messages, action, plausibleName, postForm, problemBox, statusOf } from './common.ts';
import { tabUrl } from './tabs.ts';
import type { Render } from './user-ssh-and-certificates.ts';

export const GRACE_NOTICES: Readonly<Record<string, string>> = {
  'grace-saved': 'The MFA enrolment grace period was saved.',
  'grace-removed': 'The MFA enrolment grace period was removed.',
};

/** Registers the set and remove actions under `${base}/:name`, answering on `tab`. */
export function registerGraceActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  base: string,
  tab: string,
  render: Render,
): void {
  const graceAction = (
    suffix: string,
    run: (
      signed: Signed,
      form: URLSearchParams,
      name: string,
    ) => Promise<{ error: IamError | string } | string>,
  ) =>
    action<{ name: string }>(
      server,
      ctx,
      `${base}/:name/${suffix}`,
      async (signed, form, { name }, reply) => {
        if (!plausibleName(name, 128)) return redirect(reply, base);
        const outcome = await run(signed, form, name);
        if (typeof outcome !== 'string') {
          const messages: Messages = { error: outcome.error, tab };
          return render(signed, reply, name, statusOf(outcome.error), messages);
        }
        return redirect(reply, tabUrl(`${base}/${encodeURIComponent(name)}`, tab, outcome));
      },
    );

  graceAction('mfa-grace', async (signed, form, name) => {
    const input: Record<string, unknown> = { GroupName: name };
    for (const [member, fieldName] of [
      ['Days', 'grace-days'],
      ['SignIns', 'grace-sign-ins'],
    ] as const) {
      const text = formText(form, fieldName, 16);
      // Not a whole number: NaN, which the operation refuses with its range.
      if (text !== '') input[member] = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    }
    const result = await callPortcullis(signed.caller, ctx, 'PutGroupMfaGracePeriod', input);
    return result.ok ? 'grace-saved' : { error: result.error };
  });

  graceAction('mfa-grace/delete', async (signed, _form, name) => {
    const result = await callPortcullis(signed.caller, ctx, 'DeleteGroupMfaGracePeriod', { GroupName: name });
    return result.ok ? 'grace-removed' : { error: result.error };
  });
}

/** The section, or '' when the account has grace periods off. */
export async function graceSection(
  ctx: ConsoleContext,
  signed: Signed,
  base: string,
  name: string,
): Promise<Html | ''> {
  const current = await callPortcullis(signed.caller, ctx, 'GetGroupMfaGracePeriod', { GroupName: name });
  if (!current.ok && current.error.message === GRACE_PERIODS_OFF) return '';
  const csrf = signed.record.csrf;
  const actionBase = `${base}/${encodeURIComponent(name)}`;
  const period = current.ok ? (current.output.GracePeriod as Record<string, unknown> | undefined) : undefined;
  const limits = [
    period?.Days !== undefined ? `${String(period.Days)} days` : '',
    period?.SignIns !== undefined ? `${String(period.SignIns)} sign-ins` : '',
  ].filter((l) => l !== '');
  const state = !current.ok
    ? problemBox(current.error)
    : period
      ? html`<p id="mfa-grace-status">
            Members must enrol MFA within
            ${limits.join(' or ')}${limits.length > 1 ? ', whichever comes first' : ''}, counted from
            ${String(period.Since)} or from when they joined the group, if later.
          </p>
          ${dangerForm(
            `${actionBase}/mfa-grace/delete`,
            csrf,
            'Remove grace period',
            {},
            'Members without MFA are no longer required to enrol by this group.',
          )}`
      : html`<p id="mfa-grace-status">This group has no MFA enrolment grace period.</p>`;
  return html`<section aria-labelledby="mfa-grace-heading">
    <h2 id="mfa-grace-heading">MFA enrolment grace period</h2>
    <p>
      Members without an MFA device see how long they have left at each sign-in; once it is over, the console
      allows them nothing but enrolling a device. A member of several groups gets the strictest.
    </p>
    ${state}
    ${postForm(
      `${actionBase}/mfa-grace`,
      csrf,
      html`${field({
          id: 'grace-days',
          label: `Members must enrol MFA within this many days (${GRACE_DAYS.min} to ${GRACE_DAYS.max}; empty: no limit in days)`,
          type: 'number',
          value: period?.Days !== undefined ? String(period.Days) : '',
          required: false,
        })}
        ${field({
          id: 'grace-sign-ins',
          label: `Members must enrol MFA within this many console sign-ins (${GRACE_SIGN_INS.min} to ${GRACE_SIGN_INS.max}; empty: no limit in sign-ins)`,
          type: 'number',
          value: period?.SignIns !== undefined ? String(period.SignIns) : '',
          required: false,
        })} <button type="submit">Save grace period</button>`,
      { label: 'MFA enrolment grace period' },
    )}
  </section>`;
}
