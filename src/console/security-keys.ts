// FIDO2 security keys and passkeys (WebAuthn, with @simplewebauthn/server) as an MFA method of the
// console: registered from "My security credentials", used at the MFA step of a sign-in.
//
// Authorization follows AWS, where a security key is an MFA device: registering needs
// iam:EnableMFADevice, listing iam:ListMFADevices, removing iam:DeactivateMFADevice, each on the
// user's own ARN (the root ARN for the root user), decided by the engine with the session's
// context (so the seeds' policies, which deny deactivation without MFA, apply).
//
// A registered key is an MFA device everywhere, as on AWS: registering writes the key and its u2f
// device, enabled for the owner's id (serial arn:aws:iam::<account>:u2f/user/<UserName>/<name>-<suffix>),
// in one transaction (the domain's registerSecurityKey, domain/console-security-keys.ts: this file
// verifies the browser's ceremonies and calls those operations, never the store), so ListMFADevices,
// the credential report, GetAccountSummary and DeleteUser see it; removing it here or with
// DeactivateMFADevice removes both. Key names follow AWS's rule for MFA device names
// (letters, digits and + = , . @ _ -), since the name is part of the serial number.
//
// Security properties:
// - each ceremony's challenge is random, kept in the server-side session, expires after 5 minutes
//   and is used once, whatever the outcome;
// - the origin and the RP ID (the host name the console is reached by) are checked by
//   verifyRegistrationResponse / verifyAuthenticationResponse; the signature counter must grow
//   when the authenticator keeps one;
// - keys are filed under the IAM user's unique id (AIDA…), so a user deleted and created again
//   under the same name does not inherit the old user's keys;
// - a failed sign-in with a key counts toward the sign-in throttles like a wrong code;
// - the JSON endpoints take the session's CSRF token in an X-CSRF-Token header, and a same-origin
//   Origin (browsers send it on fetch POSTs).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { IamError } from '../domain/errors.ts';
import { SECURITY_KEY_NAME } from '../domain/iam/mfa-common.ts';
import {
  authorizeOwnSecurityKeys,
  recordSecurityKeyUse,
  registerSecurityKey,
  removeSessionSecurityKey,
  securityKeysOfSession,
} from '../domain/console-security-keys.ts';
import { lockoutOf, signInCompleted, signInFailed, signInWait, waitMessage } from './rate-limit.ts';
import { signInAccount } from '../domain/console-signin.ts';
import { equalsConstantTime } from '../crypto/constant-time.ts';
import { type ConsoleContext, currentSession, homeOf, requireSession } from './context.ts';
import {
  createSession,
  csrfMatches,
  iso,
  saveSession,
  type ConsoleSessionRecord,
} from '../domain/console-sessions.ts';
import {
  clientIp,
  crossOrigin,
  formText,
  originOf,
  readForm,
  redirect,
  sessionCookieName,
  setCookie,
} from './web.ts';
import { ABSOLUTE_LIFETIME_MS, PENDING_LIFETIME_MS, principalLabel } from '../domain/console-sessions.ts';
import { credentialsPage } from './credentials.ts';
import { recoveryCodesAfterEnrolment } from './recovery-codes.ts';

const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000;

function rpIdOf(request: FastifyRequest): string {
  return new URL(originOf(request)).hostname.replace(/^\[(.*)\]$/, '$1');
}

function jsonBody(request: FastifyRequest): unknown {
  const body = request.body;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The CSRF and Origin checks of a JSON endpoint. */
function jsonRequestAllowed(request: FastifyRequest, record: ConsoleSessionRecord): boolean {
  const token = request.headers['x-csrf-token'];
  return !crossOrigin(request) && csrfMatches(record, typeof token === 'string' ? token : undefined);
}

function jsonError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ ok: false, message });
}

/** Takes the session's challenge for `purpose` (single use); undefined if none or expired. */
async function takeChallenge(
  ctx: ConsoleContext,
  record: ConsoleSessionRecord,
  purpose: 'register' | 'authenticate',
): Promise<string | undefined> {
  const pending = record.webauthn;
  if (!pending) return undefined;
  delete record.webauthn;
  await saveSession(ctx.iam, record);
  if (pending.purpose !== purpose || ctx.iam.now().getTime() >= Date.parse(pending.expiresAt))
    return undefined;
  return pending.challenge;
}

let browserBundle: string | undefined;

/** @simplewebauthn/browser's UMD bundle, served same-origin (the CSP allows no other scripts). */
function simpleWebAuthnBrowser(): string {
  if (browserBundle === undefined) {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@simplewebauthn/browser');
    browserBundle = readFileSync(join(dirname(dirname(main)), 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
  }
  return browserBundle;
}

export function registerSecurityKeys(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get('/console/static/simplewebauthn-browser.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(simpleWebAuthnBrowser()),
  );
  server.get('/console/static/webauthn.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(WEBAUTHN_JS),
  );

  // ---- registration (signed in)

  server.post('/console/security-keys/options', async (request, reply) => {
    const signed = await currentSession(ctx, request, reply);
    if (!signed || signed.record.stage !== 'active') return jsonError(reply, 401, 'Sign in again.');
    if (!jsonRequestAllowed(request, signed.record)) return jsonError(reply, 403, 'The form has expired.');
    let owner;
    try {
      owner = await authorizeOwnSecurityKeys(ctx.iam, signed.caller, signed.record, 'iam:EnableMFADevice');
    } catch (error) {
      if (error instanceof IamError) return jsonError(reply, 403, error.message);
      throw error;
    }
    const existing = await securityKeysOfSession(ctx.iam, signed.record);
    const who = principalLabel(signed.record.principal);
    const options = await generateRegistrationOptions({
      rpName: 'Portcullis',
      rpID: rpIdOf(request),
      userName: `${who}@${signed.record.account}`,
      userID: new TextEncoder().encode(`${signed.record.account}/${owner.ownerId}`),
      attestationType: 'none',
      excludeCredentials: existing.map((k) => ({
        id: k.id,
        ...(k.transports ? { transports: k.transports } : {}),
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    signed.record.webauthn = {
      challenge: options.challenge,
      purpose: 'register',
      expiresAt: iso(new Date(ctx.iam.now().getTime() + CHALLENGE_LIFETIME_MS)),
    };
    await saveSession(ctx.iam, signed.record);
    return reply.type('application/json').send(options);
  });

  server.post('/console/security-keys/register', async (request, reply) => {
    const signed = await currentSession(ctx, request, reply);
    if (!signed || signed.record.stage !== 'active') return jsonError(reply, 401, 'Sign in again.');
    if (!jsonRequestAllowed(request, signed.record)) return jsonError(reply, 403, 'The form has expired.');
    const body = jsonBody(request) as { name?: unknown; response?: RegistrationResponseJSON } | undefined;
    const name = typeof body?.name === 'string' ? body.name.trim() : '';
    if (!SECURITY_KEY_NAME.test(name)) {
      return jsonError(
        reply,
        400,
        'Name the key with letters, digits and + = , . @ _ - (up to 64 characters, no spaces).',
      );
    }
    const challenge = await takeChallenge(ctx, signed.record, 'register');
    if (!challenge || !body?.response) return jsonError(reply, 400, 'The registration expired. Try again.');
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: body.response,
        expectedChallenge: challenge,
        expectedOrigin: originOf(request),
        expectedRPID: rpIdOf(request),
        requireUserVerification: false,
      });
    } catch {
      return jsonError(reply, 400, 'The security key could not be registered.');
    }
    if (!verified.verified) return jsonError(reply, 400, 'The security key could not be registered.');
    const credential = verified.registrationInfo.credential;
    try {
      await registerSecurityKey(
        ctx.iam,
        signed.caller,
        signed.record,
        {
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          ...(credential.transports ? { transports: [...credential.transports] } : {}),
          name,
        },
        iso(ctx.iam.now()),
      );
    } catch (error) {
      if (error instanceof IamError)
        return jsonError(reply, error.code === 'AccessDenied' ? 403 : 400, error.message);
      throw error;
    }
    const codesPage = await recoveryCodesAfterEnrolment(ctx, signed);
    return reply
      .type('application/json')
      .send({ ok: true, redirect: codesPage ?? '/console/security-credentials?notice=key-registered' });
  });

  server.post('/console/security-keys/remove', async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const credentialId = formText(form, 'credential', 1024);
    try {
      await removeSessionSecurityKey(ctx.iam, signed.caller, signed.record, credentialId);
    } catch (error) {
      if (error instanceof IamError)
        return credentialsPage(ctx, reply, signed, error.code === 'AccessDenied' ? 403 : 404, { error });
      throw error;
    }
    return redirect(reply, '/console/security-credentials?notice=key-removed');
  });

  // Without JavaScript the registration form lands here.
  server.post('/console/security-keys/no-script', async (_request, reply) =>
    redirect(reply, '/console/security-credentials?notice=key-needs-script'),
  );

  // ---- sign-in with a security key (the MFA step)

  server.post('/console/mfa/security-key/options', async (request, reply) => {
    const signed = await currentSession(ctx, request, reply);
    if (!signed || signed.record.stage !== 'mfa') return jsonError(reply, 401, 'Sign in again.');
    if (!jsonRequestAllowed(request, signed.record)) return jsonError(reply, 403, 'The form has expired.');
    const keys = await securityKeysOfSession(ctx.iam, signed.record);
    if (keys.length === 0) return jsonError(reply, 400, 'No security key is registered.');
    const options = await generateAuthenticationOptions({
      rpID: rpIdOf(request),
      allowCredentials: keys.map((k) => ({
        id: k.id,
        ...(k.transports ? { transports: k.transports } : {}),
      })),
      userVerification: 'preferred',
    });
    signed.record.webauthn = {
      challenge: options.challenge,
      purpose: 'authenticate',
      expiresAt: iso(new Date(ctx.iam.now().getTime() + CHALLENGE_LIFETIME_MS)),
    };
    await saveSession(ctx.iam, signed.record);
    return reply.type('application/json').send(options);
  });

  server.post('/console/mfa/security-key/verify', async (request, reply) => {
    const signed = await currentSession(ctx, request, reply);
    if (!signed || signed.record.stage !== 'mfa') return jsonError(reply, 401, 'Sign in again.');
    const { record } = signed;
    if (!jsonRequestAllowed(request, record)) return jsonError(reply, 403, 'The form has expired.');
    const throttleId =
      record.principal.kind === 'root'
        ? `root-mfa:${record.account}`
        : `user:${record.account}/${principalLabel(record.principal).toLowerCase()}`;
    const lockout =
      record.principal.kind === 'user' ? lockoutOf(await signInAccount(ctx.iam, record.account)) : undefined;
    const wait = await signInWait(ctx.throttles, throttleId, clientIp(request), lockout);
    if (wait.ms > 0) {
      ctx.observer?.throttled();
      return jsonError(reply, 429, waitMessage(wait));
    }
    const response = (jsonBody(request) as { response?: AuthenticationResponseJSON } | undefined)?.response;
    const challenge = await takeChallenge(ctx, record, 'authenticate');
    const keys = await securityKeysOfSession(ctx.iam, record);
    const stored = response && keys.find((k) => equalsConstantTime(k.id, String(response.id)));
    let ok = false;
    if (challenge && response && stored) {
      try {
        const verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: originOf(request),
          expectedRPID: rpIdOf(request),
          credential: {
            id: stored.id,
            publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
            counter: stored.counter,
            ...(stored.transports ? { transports: stored.transports as never } : {}),
          },
          requireUserVerification: false,
        });
        ok = verified.verified;
        if (ok) {
          const counter = verified.authenticationInfo.newCounter;
          await recordSecurityKeyUse(ctx.iam, stored.id, counter, iso(ctx.iam.now()));
        }
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      ctx.observer?.mfaFailed();
      await signInFailed(ctx.throttles, throttleId, clientIp(request), lockout);
      return jsonError(reply, 401, 'Your authentication information is incorrect. Please try again.');
    }
    await signInCompleted(ctx.throttles, throttleId, lockout);
    const stage = record.passwordChangeReason ? 'password-change' : 'active';
    const session = await createSession(
      ctx.iam,
      record.account,
      record.principal,
      stage,
      {
        mfaAuthenticatedAt: iso(ctx.iam.now()),
        ...(record.passwordChangeReason ? { passwordChangeReason: record.passwordChangeReason } : {}),
      },
      record,
    );
    const maxAge = Math.floor((stage === 'active' ? ABSOLUTE_LIFETIME_MS : PENDING_LIFETIME_MS) / 1000);
    setCookie(request, reply, sessionCookieName(request), session.token, {
      sameSite: 'Lax',
      maxAgeSeconds: maxAge,
    });
    return reply.type('application/json').send({ ok: true, redirect: homeOf(stage) });
  });
}

/** The console's own script: runs WebAuthn ceremonies for the forms of security-keys-view.ts. No inline code. */
const WEBAUTHN_JS = `'use strict';
(function () {
  var lib = window.SimpleWebAuthnBrowser;
  function csrfOf(form) { return form.querySelector('input[name="csrf"]').value; }
  function showError(form, message) {
    var box = form.querySelector('#security-key-error');
    box.textContent = message;
    box.hidden = false;
  }
  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    });
    var json = await response.json();
    if (!response.ok || json.ok === false) throw new Error(json.message || 'The request failed.');
    return json;
  }
  var register = document.getElementById('register-security-key');
  if (register) {
    register.addEventListener('submit', async function (event) {
      event.preventDefault();
      var csrf = csrfOf(register);
      try {
        var options = await post('/console/security-keys/options', csrf);
        var response = await lib.startRegistration({ optionsJSON: options });
        var name = register.querySelector('input[name="name"]').value;
        var done = await post('/console/security-keys/register', csrf, { name: name, response: response });
        window.location.assign(done.redirect);
      } catch (error) {
        showError(register, error && error.message ? error.message : String(error));
      }
    });
  }
  var signIn = document.getElementById('security-key-signin');
  if (signIn) {
    signIn.addEventListener('submit', async function (event) {
      event.preventDefault();
      var csrf = csrfOf(signIn);
      try {
        var options = await post('/console/mfa/security-key/options', csrf);
        var response = await lib.startAuthentication({ optionsJSON: options });
        var done = await post('/console/mfa/security-key/verify', csrf, { response: response });
        window.location.assign(done.redirect);
      } catch (error) {
        showError(signIn, error && error.message ? error.message : String(error));
      }
    });
  }
})();
`;
