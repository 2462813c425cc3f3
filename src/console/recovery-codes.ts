// MFA recovery codes in the console (the account's MfaOptions.recoveryCodes; nothing here shows
// while it is off): made when the signed-in person enables an MFA device, shown once, regenerable
// from "My security credentials", offered at the sign-in's MFA step, and shown to administrators
// on a user's Security credentials tab. The rules are the domain's (domain/portcullis/
// recovery-codes.ts), called as the console session's Caller like every console action.
//
// Shown once: the new codes travel to the page after the redirect (Post/Redirect/Get) sealed in
// the console session, as a new access key's secret does (credentials.ts), and the first view
// empties them: a reload shows only how many remain.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signInAccount } from '../domain/console-signin.ts';
import { iso, saveSession, type ConsoleSessionRecord } from '../domain/console-sessions.ts';
import { mfaOptionsOf } from '../domain/portcullis/mfa-options.ts';
import { recoveryCodesRemaining, useRecoveryCode } from '../domain/portcullis/recovery-codes.ts';
import type { MfaVerification } from '../domain/iam/mfa-verify.ts';
import type { IamError } from '../domain/errors.ts';
import { auditRecoveryCodeUse } from './audit.ts';
import { type ConsoleContext, type Signed, callPortcullis, requireSession } from './context.ts';
import { alertBox, csrfField, dangerForm, deniedBox, field, html, layout, type Html } from './html.ts';
import { readForm, redirect, sendHtml } from './web.ts';

const CREDENTIALS = '/console/security-credentials';
const PAGE = `${CREDENTIALS}/recovery-codes`;
/** How long new codes wait in the session for the page that shows them. */
const SHOW_WINDOW_MS = 10 * 60 * 1000;

const NOTICES: Record<string, Html> = {
  'not-generated': html`Your MFA device was added, but recovery codes could not be generated for you. Your
    policies must allow <code>portcullis:GenerateRecoveryCodes</code>.`,
};

export function registerRecoveryCodes(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get(PAGE, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    if (!(await offered(ctx, signed))) return redirect(reply, CREDENTIALS);
    const codes = await takeShownCodes(ctx, signed.record);
    const query = request.query as Record<string, string | undefined>;
    const notice = query.notice && Object.hasOwn(NOTICES, query.notice) ? NOTICES[query.notice] : undefined;
    return codesPage(ctx, reply, signed, 200, { ...(codes ? { codes } : {}), ...(notice ? { notice } : {}) });
  });

  server.post(`${PAGE}/generate`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const result = await callPortcullis(signed.caller, ctx, 'GenerateRecoveryCodes');
    if (!result.ok)
      return codesPage(ctx, reply, signed, result.error.code === 'AccessDenied' ? 403 : 400, {
        error: result.error,
      });
    await keepToShow(ctx, signed.record, result.output.RecoveryCodes as string[]);
    return redirect(reply, PAGE);
  });
}

/**
 * After the signed-in person enabled an MFA device: ten codes when the account offers them and
 * the person has none left (a further device keeps the codes they have). Answers where to go
 * next (the page showing the new codes), or undefined to go on as before.
 */
export async function recoveryCodesAfterEnrolment(
  ctx: ConsoleContext,
  signed: Signed,
): Promise<string | undefined> {
  if (!(await offered(ctx, signed))) return undefined;
  const result = await callPortcullis(signed.caller, ctx, 'GenerateRecoveryCodes', { KeepExisting: true });
  if (!result.ok) return `${PAGE}?notice=not-generated`;
  const codes = result.output.RecoveryCodes as string[];
  if (codes.length === 0) return undefined;
  await keepToShow(ctx, signed.record, codes);
  return PAGE;
}

/** The section of "My security credentials": how many codes remain, and new ones on request. */
export async function recoveryCodesSection(ctx: ConsoleContext, signed: Signed): Promise<Html | ''> {
  if (!(await offered(ctx, signed))) return '';
  return html`<section aria-labelledby="recovery-codes-heading">
    <h2 id="recovery-codes-heading">MFA recovery codes</h2>
    ${await ownStatus(ctx, signed)}
  </section>`;
}

/** The MFA step's second form, when the person has codes left. */
export async function recoveryCodeSignInForm(
  ctx: ConsoleContext,
  record: ConsoleSessionRecord,
): Promise<Html | ''> {
  const remaining = await recoveryCodesRemaining(ctx.iam, record.account, record.principal);
  if (remaining === 0) return '';
  return html`<section aria-labelledby="recovery-code-heading">
    <h2 id="recovery-code-heading">Use a recovery code</h2>
    <form method="post" action="/console/mfa" class="card">
      ${csrfField(record.csrf)}
      ${field({ id: 'recovery-code', label: 'Recovery code', autocomplete: 'off', hint: 'One of the recovery codes you saved when you set up MFA, for example ABCDE-FGHJK. Each code works once.' })}
      <button type="submit">Sign in with recovery code</button>
    </form>
  </section>`;
}

/**
 * The MFA step's check of a recovery code: consumed when right, and its use recorded in the audit
 * trail for administrators. A wrong one is a wrong MFA code to the caller (throttles, attempts).
 */
export async function checkRecoveryCodeAtSignIn(
  ctx: ConsoleContext,
  request: FastifyRequest,
  record: ConsoleSessionRecord,
  typed: string,
): Promise<MfaVerification> {
  const used = await useRecoveryCode(ctx.iam, record.account, record.principal, typed);
  if (!used.ok) return { ok: false, reason: 'invalid-code' };
  auditRecoveryCodeUse(ctx, request, {
    account: record.account,
    principal: record.principal,
    remaining: used.remaining,
  });
  return { ok: true };
}

/** A user's recovery codes on the administrator's Security credentials tab: used? when? how many left? */
export async function recoveryCodesAdminSection(
  ctx: ConsoleContext,
  signed: Signed,
  userName: string,
): Promise<Html | ''> {
  const account = await signInAccount(ctx.iam, signed.caller.account);
  if (!mfaOptionsOf(account).recoveryCodes) return '';
  const status = await callPortcullis(signed.caller, ctx, 'GetRecoveryCodeStatus', { UserName: userName });
  let body: Html;
  if (!status.ok) body = problem(status.error);
  else {
    const remaining = Number(status.output.RemainingCodes ?? 0);
    const lastUsed = status.output.LastUsedDate as string | undefined;
    const generated = status.output.GeneratedDate as string | undefined;
    body = html`${
        lastUsed
          ? alertBox(
              'error',
              html`<strong id="recovery-code-used"
                  >A recovery code was used to sign in on ${lastUsed}.</strong
                >
                <p>${userName} may have lost an MFA device.</p>`,
            )
          : ''
      }
      <p id="recovery-code-status">
        ${
          generated
            ? `${remaining} unused recovery codes (generated ${generated}).${lastUsed ? '' : ' None has been used.'}`
            : 'This user has no recovery codes.'
        }
      </p>`;
  }
  return html`<section aria-labelledby="recovery-codes-heading">
    <h2 id="recovery-codes-heading">MFA recovery codes</h2>
    ${body}
  </section>`;
}

/** Whether the signed-in principal could have codes: an IAM user or the root user, option on. */
async function offered(ctx: ConsoleContext, signed: Signed): Promise<boolean> {
  const { caller } = signed;
  if (caller.type !== 'user' && caller.type !== 'root') return false;
  return mfaOptionsOf(await signInAccount(ctx.iam, caller.account)).recoveryCodes;
}

async function ownStatus(ctx: ConsoleContext, signed: Signed): Promise<Html> {
  const status = await callPortcullis(signed.caller, ctx, 'GetRecoveryCodeStatus');
  const regenerate = dangerForm(
    `${PAGE}/generate`,
    signed.record.csrf,
    'Generate new recovery codes',
    {},
    'Ten new codes replace all of your recovery codes: the ones you saved stop working.',
  );
  if (!status.ok) return html`${problem(status.error)} ${regenerate}`;
  const remaining = Number(status.output.RemainingCodes ?? 0);
  const lastUsed = status.output.LastUsedDate as string | undefined;
  return html`<p id="recovery-codes-remaining">
      ${
        status.output.GeneratedDate
          ? `You have ${remaining} unused recovery codes (generated ${String(status.output.GeneratedDate)}).`
          : 'You have no recovery codes. They are made when you assign an MFA device.'
      }
      ${lastUsed ? `A recovery code was last used on ${lastUsed}.` : ''}
    </p>
    <p>A recovery code signs you in instead of your MFA device, once. Keep them somewhere safe.</p>
    ${regenerate}`;
}

async function codesPage(
  ctx: ConsoleContext,
  reply: FastifyReply,
  signed: Signed,
  status: number,
  messages: { codes?: string[]; notice?: Html; error?: IamError },
): Promise<FastifyReply> {
  const { codes } = messages;
  const shown = codes
    ? html`${alertBox(
          'success',
          html`<strong>Save your recovery codes.</strong>
            <p>
              This is the only time they are shown. Each code signs you in once instead of your MFA device;
              print them or keep them in a password manager.
            </p>`,
        )}
        <ol id="recovery-codes" class="codes">
          ${codes.map((code) => html`<li><code>${code}</code></li>`)}
        </ol>`
    : html`${messages.notice ? alertBox('info', messages.notice) : ''}
      ${messages.error ? problem(messages.error) : ''}
      ${alertBox('info', 'Recovery codes are shown only once, right after they are generated.')}`;
  const body = html`${shown}
    <section aria-labelledby="recovery-codes-heading">
      <h2 id="recovery-codes-heading">Your recovery codes</h2>
      ${await ownStatus(ctx, signed)}
    </section>
    <p><a href="${CREDENTIALS}">Back to My security credentials</a></p>`;
  return sendHtml(
    reply,
    status,
    layout({ title: 'MFA recovery codes', body, user: signed.user, current: CREDENTIALS }),
  );
}

function problem(error: IamError): Html {
  return error.code === 'AccessDenied' ? deniedBox(error.message) : alertBox('error', error.message);
}

function sealContext(record: ConsoleSessionRecord): string {
  return `console:${record.id}:recovery-codes`;
}

async function keepToShow(ctx: ConsoleContext, record: ConsoleSessionRecord, codes: string[]): Promise<void> {
  record.pendingRecoveryCodes = {
    sealedCodes: ctx.iam.sealer.seal(codes.join('\n'), sealContext(record)),
    createdAt: iso(ctx.iam.now()),
  };
  await saveSession(ctx.iam, record);
}

/** The codes waiting to be shown, emptied from the session as they are taken. */
async function takeShownCodes(
  ctx: ConsoleContext,
  record: ConsoleSessionRecord,
): Promise<string[] | undefined> {
  const pending = record.pendingRecoveryCodes;
  if (!pending) return undefined;
  delete record.pendingRecoveryCodes;
  await saveSession(ctx.iam, record);
  if (ctx.iam.now().getTime() >= Date.parse(pending.createdAt) + SHOW_WINDOW_MS) return undefined;
  return ctx.iam.sealer.open(pending.sealedCodes, sealContext(record)).split('\n');
}
