// The MFA enrolment page a user is led to when enrolment is required (mfa-enrolment-gate.ts): why
// (an administrator's reset, or a group's grace period), and "Assign MFA device", which creates a
// virtual device through the user's own policies (CreateVirtualMFADevice, then EnableMFADevice on
// the assign page) — the engine decides, nothing is bypassed. A user the policies do not allow is
// told so, with AWS's message, and to ask an administrator.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../domain/errors.ts';
import { enrolmentDue } from '../domain/portcullis/mfa-enrolment.ts';
import { type ConsoleContext, type Signed, requireSession } from './context.ts';
import { alertBox, csrfField, deniedBox, field, html, layout } from './html.ts';
import { ASSIGN_MFA_PAGE, DEVICE_NAME, startVirtualMfa } from './credentials.ts';
import { MFA_ENROLMENT_PAGE, enrolmentNoticeText } from './mfa-enrolment-gate.ts';
import { formText, readForm, redirect, sendHtml } from './web.ts';

export function registerMfaEnrolment(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get(MFA_ENROLMENT_PAGE, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    if (!signed.record.mfaEnrolment) return redirect(reply, '/console/security-credentials');
    return enrolmentPage(ctx, reply, signed, 200);
  });

  server.post(MFA_ENROLMENT_PAGE, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const name = formText(form, 'device-name', 226);
    if (!DEVICE_NAME.test(name)) {
      return enrolmentPage(
        ctx,
        reply,
        signed,
        400,
        'The device name may contain only letters, digits and + = , . @ _ - (up to 226 characters).',
      );
    }
    const started = await startVirtualMfa(ctx, signed, name);
    if (!started.ok)
      return enrolmentPage(
        ctx,
        reply,
        signed,
        started.error.code === 'AccessDenied' ? 403 : 400,
        started.error,
      );
    return redirect(reply, ASSIGN_MFA_PAGE);
  });
}

function enrolmentPage(
  ctx: ConsoleContext,
  reply: FastifyReply,
  signed: Signed,
  status: number,
  error?: string | IamError,
): FastifyReply {
  const enrolment = signed.record.mfaEnrolment;
  const due = enrolment === undefined || enrolmentDue(enrolment, ctx.iam.now());
  const why =
    enrolment?.reason === 'reset'
      ? 'An administrator has reset your multi-factor authentication (MFA). Enrol an MFA device to continue.'
      : due
        ? 'Your group requires multi-factor authentication (MFA) and your grace period is over. Enrol an MFA device to continue.'
        : `Your group requires multi-factor authentication (MFA). ${enrolment ? enrolmentNoticeText(enrolment, ctx.iam.now()) : ''}`;
  const problem =
    error === undefined
      ? ''
      : typeof error === 'string'
        ? alertBox('error', error)
        : error.code === 'AccessDenied'
          ? html`${deniedBox(error.message)}
              <p id="ask-administrator">
                Your permissions do not allow you to enrol an MFA device yourself. Ask an administrator to
                allow it (iam:CreateVirtualMFADevice and iam:EnableMFADevice) or to assign a device for you.
              </p>`
          : alertBox('error', error.message);
  const userName = signed.record.principal.kind === 'user' ? signed.record.principal.userName : 'mfa-device';
  const body = html`${problem}
    <p id="mfa-enrolment-reason">${why}</p>
    <form method="post" action="${MFA_ENROLMENT_PAGE}" class="card">
      ${csrfField(signed.record.csrf)}
      <h2>Assign MFA device</h2>
      ${field({ id: 'device-name', label: 'Device name', value: userName, hint: 'Letters, digits and + = , . @ _ - only.' })}
      <p>Device type: Authenticator app (a virtual MFA device).</p>
      <button type="submit">Assign MFA device</button>
    </form>
    ${due ? html`<p>Until you have enrolled, the rest of the console is not available. You can still sign out.</p>` : ''}`;
  return sendHtml(
    reply,
    status,
    layout({
      title: 'MFA enrolment required',
      body,
      // While enrolment is due nothing else is reachable: no navigation to offer.
      user: { ...signed.user, nav: !due },
    }),
  );
}
