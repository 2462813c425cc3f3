// A user's console sign-in lock on the Security credentials tab: the failed attempts counted
// against the user's name, until when sign-in is locked (by the account's lockout or the built-in
// back-off), and "Unlock sign-in" for administrators allowed portcullis:UnlockUserSignIn
// (domain/portcullis/sign-in-locks.ts).
import type { FastifyInstance } from 'fastify';
import { type ConsoleContext, type Signed, callPortcullis } from '../context.ts';
import { dangerForm, html, type Html } from '../html.ts';
import { ADMIN, path, section } from './common.ts';
import { type Render, userCredentialAction } from './user-ssh-and-certificates.ts';

const BASE = `${ADMIN}/users`;

export const SIGN_IN_LOCK_NOTICES: Readonly<Record<string, string>> = {
  'sign-in-unlocked': "Sign-in was unlocked: the user's failed attempts are forgotten.",
};

export function registerSignInLockActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  render: Render,
): void {
  userCredentialAction(server, ctx, render, 'sign-in/unlock', async (signed, _form, name) => {
    const result = await callPortcullis(signed.caller, ctx, 'UnlockUserSignIn', { UserName: name });
    return result.ok ? 'sign-in-unlocked' : { error: result.error };
  });
}

export async function signInLockSection(ctx: ConsoleContext, signed: Signed, name: string): Promise<Html> {
  const lock = await callPortcullis(signed.caller, ctx, 'GetUserSignInLock', { UserName: name });
  return section('Console sign-in lock', 'sign-in-lock-heading', lock, (out) => {
    const failures = Number(out.Failures ?? 0);
    const attempts = `${failures} failed attempt${failures === 1 ? '' : 's'}`;
    const status =
      typeof out.LockedUntil === 'string'
        ? html`<p id="sign-in-lock-status">
            <strong>Sign-in locked until ${out.LockedUntil} after ${attempts}.</strong>
          </p>`
        : html`<p id="sign-in-lock-status">
            Sign-in is not locked${failures > 0 ? html` (${attempts} since the last sign-in)` : ''}.
          </p>`;
    const setting =
      out.LockoutFailures === undefined
        ? html`<p>This account uses the built-in back-off only (a few minutes after five wrong attempts).</p>`
        : html`<p>
            This account locks a user's sign-in after ${String(out.LockoutFailures)} wrong passwords or codes.
          </p>`;
    const unlock =
      failures > 0 || out.LockedUntil !== undefined
        ? dangerForm(
            `${path(BASE, name)}/sign-in/unlock`,
            signed.record.csrf,
            'Unlock sign-in',
            {},
            `${name}'s failed attempts are forgotten: the next sign-in is checked at once.`,
          )
        : '';
    return html`${status} ${setting} ${unlock}`;
  });
}
