// Forced MFA enrolment in the console (domain/portcullis/mfa-enrolment.ts): a signed-in user whose
// enrolment is due (an administrator reset their MFA, or a group's grace period is over) reaches
// only the enrolment page, the steps of assigning a virtual device, and sign-out; every other page
// and form redirects to the enrolment page and does nothing. Before it is due, the dashboard shows
// how long is left. The requirement clears as soon as the user has an MFA device.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Iam } from '../domain/iam.ts';
import type { ConsoleSessionRecord, MfaEnrolment } from '../domain/console-sessions.ts';
import { enrolmentDue, enrolmentStillNeeded } from '../domain/portcullis/mfa-enrolment.ts';
import { alertBox, html, type Html } from './html.ts';
import { redirect } from './web.ts';

export const MFA_ENROLMENT_PAGE = '/console/mfa-enrolment';

/** What enrolment needs (the QR code is inline in the assign page, so no image route). */
const OPEN_WHILE_DUE: ReadonlySet<string> = new Set([
  MFA_ENROLMENT_PAGE,
  '/console/security-credentials/mfa/assign',
  '/console/security-credentials/mfa/enable',
  '/console/security-credentials/mfa/cancel',
  '/console/signout',
]);

/**
 * True when the request may go on; otherwise the redirect to the enrolment page has been sent.
 * Reads the store only for a session with a due requirement, on a page enrolment does not need.
 */
export async function passesEnrolmentGate(
  iam: Iam,
  request: FastifyRequest,
  reply: FastifyReply,
  record: ConsoleSessionRecord,
): Promise<boolean> {
  const enrolment = record.mfaEnrolment;
  if (!enrolment || record.stage !== 'active' || !enrolmentDue(enrolment, iam.now())) return true;
  if (OPEN_WHILE_DUE.has(request.url.split('?')[0]!)) return true;
  if (!(await enrolmentStillNeeded(iam, record))) return true;
  redirect(reply, MFA_ENROLMENT_PAGE);
  return false;
}

/** The dashboard's notice while a grace period runs ('' when none, or once the user has enrolled). */
export async function enrolmentNotice(iam: Iam, record: ConsoleSessionRecord): Promise<Html | ''> {
  const enrolment = record.mfaEnrolment;
  if (!enrolment || !(await enrolmentStillNeeded(iam, record))) return '';
  return alertBox(
    'info',
    html`<p id="mfa-enrolment-notice">${enrolmentNoticeText(enrolment, iam.now())}</p>
      <p><a href="${MFA_ENROLMENT_PAGE}">Enrol an MFA device now</a></p>`,
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** "You must enrol an MFA device within 3 days or 1 more sign-in." and the like. */
export function enrolmentNoticeText(enrolment: MfaEnrolment, now: Date): string {
  // The last sign-in allowed without MFA is the strictest limit there is.
  if (enrolment.signInsLeft === 0) return 'You must enrol an MFA device before you next sign in.';
  const limits: string[] = [];
  if (enrolment.deadline !== undefined) {
    const days = Math.max(1, Math.ceil((Date.parse(enrolment.deadline) - now.getTime()) / DAY_MS));
    limits.push(`${days} ${days === 1 ? 'day' : 'days'}`);
  }
  const left = enrolment.signInsLeft;
  if (left !== undefined) limits.push(`${left} more ${left === 1 ? 'sign-in' : 'sign-ins'}`);
  if (limits.length === 0) return 'You must enrol an MFA device now.';
  const first = limits.length > 1 ? ', whichever comes first' : '';
  return `You must enrol an MFA device within ${limits.join(' or ')}${first}.`;
}
