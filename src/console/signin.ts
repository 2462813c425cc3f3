// Signing in and out: IAM users (account id or alias, user name, password), the root user (e-mail,
// password), the MFA step, the forced password change, sign-out.
//
// Security properties:
// - a wrong password, an unknown user, an unknown account and a user without a console password
//   all answer the same message after the same work (an argon2id verify, against a dummy hash when
//   there is nothing to verify);
// - attempts are throttled per user and per address (rate-limit.ts) before any password or code is
//   checked; MFA codes also count, and one sign-in allows at most 5 wrong codes; an account's
//   lockout, when on, locks an IAM user's name after N failures, a right password refused too;
// - each step issues a new session token (sessions.ts), so the cookie of an unfinished sign-in
//   grants nothing but the next step;
// - the sign-in forms carry a CSRF token bound to a Strict cookie, so another site cannot sign a
//   visitor in to an account of its choosing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyPasswordOrDummy } from '../crypto/passwords.ts';
import { checkMfaCode } from '../domain/iam/mfa-verify.ts';
import type { UserRecord } from '../domain/records.ts';
import {
  codeDevicesOf,
  recordPasswordUse,
  securityKeyCount,
  signInAccount,
  signInRootAccount,
  signInUser,
} from '../domain/console-signin.ts';
import { sweepThrottles } from '../domain/throttles.ts';
import { enrolmentAtSignIn } from '../domain/portcullis/mfa-enrolment.ts';
import {
  type ConsoleContext,
  callIam,
  homeOf,
  requireSession,
  sendForbiddenForm,
  currentSession,
} from './context.ts';
import { alertBox, csrfField, field, html, layout, type Html } from './html.ts';
import { passwordExpired, passwordRules } from './password-policy.ts';
import { auditSignIn } from './audit.ts';
import { lockoutOf, signInCompleted, signInFailed, signInWait, waitMessage } from './rate-limit.ts';
import { federatedSignedOut } from './federation.ts';
import { WEBAUTHN_SCRIPTS, securityKeySignInForm } from './security-keys-view.ts';
import { securityKeysOfSession } from '../domain/console-security-keys.ts';
import { checkRecoveryCodeAtSignIn, recoveryCodeSignInForm } from './recovery-codes.ts';
import {
  createSession,
  deleteSession,
  iso,
  sweepExpiredSessions,
  endOtherSessions,
  saveSession,
  PENDING_LIFETIME_MS,
  ABSOLUTE_LIFETIME_MS,
  ROOT_PRINCIPAL,
  principalLabel,
  type ConsoleSessionRecord,
  type Principal,
} from '../domain/console-sessions.ts';
import {
  clearCookie,
  clientIp,
  crossOrigin,
  formSecret,
  formText,
  readForm,
  redirect,
  sendHtml,
  sessionCookieName,
  setCookie,
  signInCsrf,
  signInCsrfMatches,
} from './web.ts';

/** AWS's console text for any failed sign-in. */
export const SIGN_IN_FAILED = 'Your authentication information is incorrect. Please try again.';
const MAX_MFA_ATTEMPTS = 5;

const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out.',
  'session-ended': 'Your session has ended. Sign in again.',
  'mfa-restart': 'Too many incorrect MFA codes. Sign in again.',
};

export function registerSignIn(server: FastifyInstance, ctx: ConsoleContext): void {
  server.post('/console/signin', async (request, reply) => {
    const form = readForm(request);
    if (crossOrigin(request) || !signInCsrfMatches(request, form.get('csrf'), ctx.iam.sealer.macMatches))
      return sendForbiddenForm(reply);
    const kind = form.get('kind') === 'root' ? 'root' : 'iam';
    const password = formSecret(form, 'password');
    let accountId = ctx.accountId();
    const ip = clientIp(request);
    let userThrottleId: string;
    let storedHash: string | undefined;
    let user: UserRecord | undefined;
    const account = await signInAccount(ctx.iam, accountId);
    if (!account) throw new Error('the account record is missing');
    const retry = (status: number, message: string) =>
      signInPage(ctx, request, reply, status, kind, message, {
        account: formText(form, 'account', 64),
        userName: formText(form, 'username', 64),
        email: formText(form, 'email', 256),
      });
    if (kind === 'root') {
      const email = formText(form, 'email', 256).toLowerCase();
      userThrottleId = `root:${email}`;
      // Any account's root user signs in here, a member account's too: its e-mail address names
      // the account (no two accounts share one). A root user without a password (a member account
      // whose root password was never set, AssumeRoot) fails as a wrong password does.
      const rootAccount = email !== '' ? await signInRootAccount(ctx.iam, email) : undefined;
      if (rootAccount) accountId = rootAccount.id;
      storedHash = rootAccount?.rootPasswordHash || undefined;
    } else {
      const typed = formText(form, 'account', 64).toLowerCase();
      const userName = formText(form, 'username', 64);
      const known =
        typed === accountId || (account.alias !== undefined && typed === account.alias.toLowerCase());
      userThrottleId = `user:${known ? accountId : typed}/${userName.toLowerCase()}`;
      user =
        known && /^[\w+=,.@-]{1,64}$/.test(userName)
          ? await signInUser(ctx.iam, accountId, userName)
          : undefined;
      storedHash = user?.loginProfile?.passwordHash;
    }
    // The account's lockout, if on, counts IAM users' names as typed (rate-limit.ts).
    const lockout = kind === 'iam' ? lockoutOf(account) : undefined;
    const wait = await signInWait(ctx.throttles, userThrottleId, ip, lockout);
    if (wait.ms > 0) {
      ctx.observer?.throttled();
      return retry(429, waitMessage(wait));
    }
    const ok = await verifyPasswordOrDummy(storedHash, password);
    if (!ok) {
      ctx.observer?.signInFailed();
      await signInFailed(ctx.throttles, userThrottleId, ip, lockout);
      auditSignIn(ctx, request, {
        eventName: 'ConsoleLogin',
        account: accountId,
        ...(kind === 'root' && storedHash ? { principal: ROOT_PRINCIPAL } : {}),
        ...(user ? { principal: { kind: 'user', id: user.id, userName: user.name } } : {}),
        success: false,
      });
      return retry(401, SIGN_IN_FAILED);
    }
    await ctx.throttles.user.succeed(userThrottleId);
    // The password matched a stored hash: the root user's, or this user's (by id from now on).
    const principal: Principal =
      kind === 'root' ? ROOT_PRINCIPAL : { kind: 'user', id: user!.id, userName: user!.name };

    // The password is right: record its use, then decide the next step.
    const now = ctx.iam.now();
    let changeReason: ConsoleSessionRecord['passwordChangeReason'];
    if (principal.kind === 'user') {
      const profile = user!.loginProfile!;
      if (passwordExpired(account, profile.passwordChangedAt, now)) {
        if (account.passwordPolicy?.HardExpiry) {
          return retry(403, 'Your password has expired and must be reset by an administrator.');
        }
        changeReason = 'expired';
      } else if (profile.passwordResetRequired) {
        changeReason = 'reset-required';
      }
    }
    await recordPasswordUse(ctx.iam, accountId, principal, iso(now));
    const devices = await codeDevicesOf(ctx.iam, accountId, principal);
    const keys = await securityKeyCount(ctx.iam, accountId, principal);
    const stage = devices.length + keys > 0 ? 'mfa' : changeReason ? 'password-change' : 'active';
    if (stage !== 'mfa') await signInCompleted(ctx.throttles, userThrottleId, lockout);
    const mfaEnrolment = stage === 'mfa' ? undefined : await enrolmentAtSignIn(ctx.iam, accountId, principal);
    await sweepExpiredSessions(ctx.iam);
    await sweepThrottles(ctx.iam);
    const previous = await currentSession(ctx, request, reply);
    if (previous) await deleteSession(ctx.iam, previous.record);
    const session = await createSession(ctx.iam, accountId, principal, stage, {
      ...(changeReason ? { passwordChangeReason: changeReason } : {}),
      ...(mfaEnrolment ? { mfaEnrolment } : {}),
    });
    // With MFA, the sign-in is recorded once the code is right.
    if (stage !== 'mfa')
      auditSignIn(ctx, request, { eventName: 'ConsoleLogin', account: accountId, principal, success: true });
    setSessionCookie(request, reply, session.token, stage);
    return redirect(reply, homeOf(stage));
  });

  server.get('/console/mfa', async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'mfa');
    if (!signed) return reply;
    return mfaPage(ctx, reply, signed.record, 200);
  });

  server.post('/console/mfa', async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'mfa', form);
    if (!signed) return reply;
    const { record } = signed;
    const principal = record.principal;
    const userThrottleId =
      principal.kind === 'root'
        ? `root-mfa:${record.account}`
        : `user:${record.account}/${principalLabel(principal).toLowerCase()}`;
    const lockout =
      principal.kind === 'user' ? lockoutOf(await signInAccount(ctx.iam, record.account)) : undefined;
    const wait = await signInWait(ctx.throttles, userThrottleId, clientIp(request), lockout);
    if (wait.ms > 0) {
      ctx.observer?.throttled();
      return mfaPage(ctx, reply, record, 429, waitMessage(wait));
    }
    const devices = await codeDevicesOf(ctx.iam, record.account, record.principal);
    const chosen = formText(form, 'serial', 2048);
    const serial = devices.find((d) => d === chosen) ?? devices[0];
    const code = formText(form, 'code', 16);
    const result = form.has('recovery-code')
      ? await checkRecoveryCodeAtSignIn(ctx, request, record, formText(form, 'recovery-code', 40))
      : serial
        ? await checkMfaCode(ctx.iam, record.account, serial, principal.id, code)
        : ({ ok: false, reason: 'unknown-device' } as const);
    if (!result.ok) {
      ctx.observer?.mfaFailed();
      await signInFailed(ctx.throttles, userThrottleId, clientIp(request), lockout);
      auditSignIn(ctx, request, {
        eventName: 'CheckMfa',
        account: record.account,
        principal,
        success: false,
      });
      record.mfaAttempts = (record.mfaAttempts ?? 0) + 1;
      if (record.mfaAttempts >= MAX_MFA_ATTEMPTS) {
        await deleteSession(ctx.iam, record);
        clearCookie(request, reply, sessionCookieName(request));
        return redirect(reply, '/console?notice=mfa-restart');
      }
      await saveSession(ctx.iam, record);
      const message =
        result.reason === 'throttled'
          ? 'Too many invalid authentication codes for this MFA device. Wait before trying again.'
          : SIGN_IN_FAILED;
      return mfaPage(ctx, reply, record, 401, message);
    }
    await signInCompleted(ctx.throttles, userThrottleId, lockout);
    auditSignIn(ctx, request, { eventName: 'CheckMfa', account: record.account, principal, success: true });
    auditSignIn(ctx, request, {
      eventName: 'ConsoleLogin',
      account: record.account,
      principal,
      success: true,
      mfaUsed: true,
    });
    const stage = record.passwordChangeReason ? 'password-change' : 'active';
    const session = await createSession(
      ctx.iam,
      record.account,
      principal,
      stage,
      {
        mfaAuthenticatedAt: iso(ctx.iam.now()),
        ...(record.passwordChangeReason ? { passwordChangeReason: record.passwordChangeReason } : {}),
      },
      record,
    );
    setSessionCookie(request, reply, session.token, stage);
    return redirect(reply, homeOf(stage));
  });

  server.get('/console/change-password', async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'password-change');
    if (!signed) return reply;
    return changePasswordPage(ctx, reply, signed.record, 200);
  });

  server.post('/console/change-password', async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'password-change', form);
    if (!signed) return reply;
    const { record, caller } = signed;
    const oldPassword = formSecret(form, 'old-password');
    const newPassword = formSecret(form, 'new-password');
    if (newPassword !== formSecret(form, 'confirm-password')) {
      return changePasswordPage(ctx, reply, record, 400, 'The new passwords do not match.');
    }
    const broken = await brokenRules(ctx, newPassword);
    if (broken.length > 0) {
      return changePasswordPage(
        ctx,
        reply,
        record,
        400,
        html`The new password does not meet the password policy:
          <ul>
            ${broken.map((r) => html`<li>${r}</li>`)}
          </ul>`,
      );
    }
    const result = await callIam(caller, ctx, 'ChangePassword', {
      OldPassword: oldPassword,
      NewPassword: newPassword,
    });
    if (!result.ok) return changePasswordPage(ctx, reply, record, 400, result.error.message);
    const session = await createSession(
      ctx.iam,
      record.account,
      record.principal,
      'active',
      record.mfaAuthenticatedAt ? { mfaAuthenticatedAt: record.mfaAuthenticatedAt } : {},
      record,
    );
    await endOtherSessions(ctx.iam, session.record);
    setSessionCookie(request, reply, session.token, 'active');
    return redirect(reply, '/console?notice=password-changed');
  });

  server.post('/console/signout', async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, ['mfa', 'password-change', 'active'], form);
    if (!signed) return reply;
    await deleteSession(ctx.iam, signed.record);
    auditSignIn(ctx, request, {
      eventName: 'ConsoleSignOut',
      account: signed.record.account,
      principal: signed.record.principal,
      success: true,
    });
    clearCookie(request, reply, sessionCookieName(request));
    if (signed.record.issuer) return federatedSignedOut(reply, signed.record.issuer);
    return redirect(reply, '/console?notice=signed-out');
  });
}

/** The sign-in page: the IAM user form, or the root user's (kind "root"). */
export function signInPage(
  ctx: ConsoleContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  kind: 'iam' | 'root',
  error?: string,
  values: { account?: string; userName?: string; email?: string } = {},
): FastifyReply {
  const csrf = signInCsrf(request, reply, ctx.iam.sealer.mac);
  const query = request.query as Record<string, string | undefined>;
  const notice = query.notice && Object.hasOwn(NOTICES, query.notice) ? NOTICES[query.notice] : undefined;
  const account = values.account ?? query.account ?? '';
  const body =
    kind === 'root'
      ? html`<p>Sign in as the account's root user, with the account's e-mail address.</p>
          <form method="post" action="/console/signin" class="card">
            ${csrfField(csrf)}
            <input type="hidden" name="kind" value="root" />
            ${field({ id: 'email', label: 'Root user email address', type: 'email', autocomplete: 'username', value: values.email ?? '', autofocus: true })}
            ${field({ id: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
            <button type="submit">Sign in</button>
          </form>
          <p><a href="/console">Sign in as an IAM user</a></p>`
      : html`<form method="post" action="/console/signin" class="card">
            ${csrfField(csrf)}
            <input type="hidden" name="kind" value="iam" />
            ${field({ id: 'account', label: 'Account ID (12 digits) or account alias', value: account, autocomplete: 'organization', autofocus: account === '' })}
            ${field({ id: 'username', label: 'IAM user name', value: values.userName ?? '', autocomplete: 'username', autofocus: account !== '' })}
            ${field({ id: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
            <button type="submit">Sign in</button>
          </form>
          <p><a href="/console/root-signin">Sign in using root user email</a></p>`;
  return sendHtml(
    reply,
    status,
    layout({
      title: kind === 'root' ? 'Root user sign in' : 'Sign in as IAM user',
      body: html`${notice ? alertBox('info', notice) : ''} ${error ? alertBox('error', error) : ''} ${body}`,
    }),
  );
}

async function mfaPage(
  ctx: ConsoleContext,
  reply: FastifyReply,
  record: ConsoleSessionRecord,
  status: number,
  error?: string,
): Promise<FastifyReply> {
  const devices = await codeDevicesOf(ctx.iam, record.account, record.principal);
  const keys = await securityKeysOfSession(ctx.iam, record);
  const chooser =
    devices.length > 1
      ? html`<div class="field">
          <label for="serial">MFA device</label>
          <select id="serial" name="serial">
            ${devices.map((d) => html`<option value="${d}">${d}</option>`)}
          </select>
        </div>`
      : html`<input type="hidden" name="serial" value="${devices[0] ?? ''}" />`;
  const codeForm =
    devices.length > 0
      ? html`<form method="post" action="/console/mfa" class="card">
          ${csrfField(record.csrf)} ${chooser}
          ${field({ id: 'code', label: 'MFA code', inputmode: 'numeric', pattern: '[0-9]{6}', autocomplete: 'one-time-code', autofocus: true, hint: 'Six digits from your authenticator app.' })}
          <button type="submit">Submit</button>
        </form>`
      : '';
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Multi-factor authentication',
      user: { label: signedLabel(record), csrf: record.csrf, nav: false },
      scripts: keys.length > 0 ? WEBAUTHN_SCRIPTS : [],
      body: html`${error ? alertBox('error', error) : ''}
        <p>
          Your account is secured using multi-factor authentication (MFA). To finish signing in, enter the
          code from your MFA device${keys.length > 0 ? ' or use your security key' : ''}.
        </p>
        ${codeForm} ${keys.length > 0 ? securityKeySignInForm(record.csrf) : ''}
        ${await recoveryCodeSignInForm(ctx, record)}`,
    }),
  );
}

async function brokenRules(ctx: ConsoleContext, password: string): Promise<string[]> {
  const account = await signInAccount(ctx.iam, ctx.accountId());
  return account
    ? passwordRules(account)
        .filter((r) => !r.holds(password))
        .map((r) => r.text)
    : [];
}

export async function passwordPolicyList(ctx: ConsoleContext): Promise<Html> {
  const account = await signInAccount(ctx.iam, ctx.accountId());
  const rules = account ? passwordRules(account) : [];
  return html`<section aria-labelledby="policy-heading" class="policy">
    <h2 id="policy-heading">Password requirements</h2>
    <ul>
      ${rules.map((r) => html`<li>${r.text}</li>`)}
    </ul>
  </section>`;
}

async function changePasswordPage(
  ctx: ConsoleContext,
  reply: FastifyReply,
  record: ConsoleSessionRecord,
  status: number,
  error?: string | Html,
): Promise<FastifyReply> {
  const reason =
    record.passwordChangeReason === 'expired'
      ? 'Your password has expired. You must choose a new password before you can use the console.'
      : 'You must change your password to continue. Your administrator requires a new password at your next sign-in.';
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Change password',
      user: { label: signedLabel(record), csrf: record.csrf, nav: false },
      body: html`${alertBox('info', reason)} ${error ? alertBox('error', error) : ''}
        ${await passwordPolicyList(ctx)}
        <form method="post" action="/console/change-password" class="card">
          ${csrfField(record.csrf)}
          ${field({ id: 'old-password', label: 'Old password', type: 'password', autocomplete: 'current-password', autofocus: true })}
          ${field({ id: 'new-password', label: 'New password', type: 'password', autocomplete: 'new-password' })}
          ${field({ id: 'confirm-password', label: 'Retype new password', type: 'password', autocomplete: 'new-password' })}
          <button type="submit">Confirm password change</button>
        </form>`,
    }),
  );
}

function signedLabel(record: ConsoleSessionRecord): string {
  return `${principalLabel(record.principal)} @ ${record.account}`;
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, stage: string): void {
  // A session cookie for the browser's lifetime, bounded by the server-side lifetimes.
  const maxAge = Math.floor((stage === 'active' ? ABSOLUTE_LIFETIME_MS : PENDING_LIFETIME_MS) / 1000);
  setCookie(request, reply, sessionCookieName(request), token, { sameSite: 'Lax', maxAgeSeconds: maxAge });
}
