// "My security credentials": the signed-in principal's own password, MFA devices and access keys,
// each through the same IAM operation the API serves (ChangePassword, ListMFADevices,
// CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice, DeleteVirtualMFADevice,
// ListAccessKeys, CreateAccessKey, UpdateAccessKey, DeleteAccessKey), so the caller's policies
// (and whether it signed in with MFA) decide every section and every button.
//
// Secrets shown once: a new access key's secret is shown on the page after its creation and may
// be downloaded once as CSV within 10 minutes; a new virtual MFA device's seed and QR code are kept
// (sealed) in the session until the device is enabled or abandoned. Both live sealed in the
// session record, never in the page's URL.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Caller } from '../domain/caller.ts';
import type { IamError } from '../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam, requireSession } from './context.ts';
import {
  alertBox,
  buttonForm,
  dangerForm,
  csrfField,
  deniedBox,
  field,
  html,
  layout,
  table,
  type Html,
} from './html.ts';
import { section } from './pages.ts';
import { WEBAUTHN_SCRIPTS, securityKeysSection } from './security-keys-view.ts';
import { recoveryCodesAfterEnrolment, recoveryCodesSection } from './recovery-codes.ts';
import { passwordPolicyList } from './signin.ts';
import {
  endOtherSessions,
  iso,
  principalLabel,
  saveSession,
  type ConsoleSessionRecord,
} from '../domain/console-sessions.ts';
import { formSecret, formText, readForm, redirect, sendHtml } from './web.ts';
import { ADMIN, path } from './admin/common.ts';
import { tabUrl } from './admin/tabs.ts';
import { CREDENTIALS_TAB } from './admin/user-ssh-and-certificates.ts';

const BASE = '/console/security-credentials';
const KEY_DOWNLOAD_WINDOW_MS = 10 * 60 * 1000;
export const DEVICE_NAME = /^[\w+=,.@-]{1,226}$/;
const ACCESS_KEY_ID = /^[\w]{16,128}$/;

const NOTICES: Record<string, Html> = {
  'mfa-assigned': html`<strong>You have successfully assigned virtual MFA</strong>
    <p>This virtual MFA will be required during sign-in.</p>`,
  'mfa-removed': html`The MFA device was removed.`,
  'password-changed': html`Your password has been changed.`,
  'key-updated': html`The access key was updated.`,
  'key-deleted': html`The access key was deleted.`,
  'key-shown-once': html`A secret access key is shown only once, right after the key is created.`,
  'key-registered': html`<strong>Security key registered.</strong>
    <p>It can be used instead of a code during sign-in.</p>`,
  'key-removed': html`The security key was removed.`,
  'key-needs-script': html`Registering or using a security key needs JavaScript (WebAuthn) in your browser.`,
};

export function registerCredentials(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get(BASE, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const query = request.query as Record<string, string | undefined>;
    const notice = query.notice && Object.hasOwn(NOTICES, query.notice) ? NOTICES[query.notice] : undefined;
    return credentialsPage(ctx, reply, signed, 200, notice ? { notice } : {});
  });

  server.post(`${BASE}/password`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    if (formSecret(form, 'new-password') !== formSecret(form, 'confirm-password')) {
      return credentialsPage(ctx, reply, signed, 400, { error: 'The new passwords do not match.' });
    }
    const result = await callIam(signed.caller, ctx, 'ChangePassword', {
      OldPassword: formSecret(form, 'old-password'),
      NewPassword: formSecret(form, 'new-password'),
    });
    if (!result.ok)
      return credentialsPage(ctx, reply, signed, statusOf(result.error.code), { error: result.error });
    await endOtherSessions(ctx.iam, signed.record);
    return redirect(reply, `${BASE}?notice=password-changed`);
  });

  // ---- access keys

  server.post(`${BASE}/access-keys/create`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const result = await callIam(signed.caller, ctx, 'CreateAccessKey');
    if (!result.ok)
      return credentialsPage(ctx, reply, signed, statusOf(result.error.code), { error: result.error });
    const created = result.output.AccessKey as { AccessKeyId: string; SecretAccessKey: string };
    const record = signed.record;
    record.pendingAccessKey = {
      id: created.AccessKeyId,
      sealedSecret: ctx.iam.sealer.seal(created.SecretAccessKey, sealContext(record, created.AccessKeyId)),
      createdAt: iso(ctx.iam.now()),
      shown: false,
    };
    await saveSession(ctx.iam, record);
    // Post/Redirect/Get: reloading the page that shows the secret asks for nothing to be created.
    return redirect(reply, `${BASE}/access-keys/created?id=${encodeURIComponent(created.AccessKeyId)}`);
  });

  // The new key's secret, from the session, on the first view only (a reload shows it no more).
  server.get(`${BASE}/access-keys/created`, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const record = signed.record;
    const pending = record.pendingAccessKey;
    const id = (request.query as Record<string, string | undefined>).id;
    const fresh = pending && ctx.iam.now().getTime() < Date.parse(pending.createdAt) + KEY_DOWNLOAD_WINDOW_MS;
    if (!pending || !fresh || pending.shown || pending.id !== id)
      return credentialsPage(ctx, reply, signed, 200, { notice: NOTICES['key-shown-once'] });
    record.pendingAccessKey = { ...pending, shown: true };
    await saveSession(ctx.iam, record);
    const secret = ctx.iam.sealer.open(pending.sealedSecret, sealContext(record, pending.id));
    return credentialsPage(ctx, reply, signed, 200, { newKey: { id: pending.id, secret } });
  });

  server.get(`${BASE}/access-keys/download`, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const record = signed.record;
    const pending = record.pendingAccessKey;
    const fresh = pending && ctx.iam.now().getTime() < Date.parse(pending.createdAt) + KEY_DOWNLOAD_WINDOW_MS;
    if (!pending || !fresh) {
      return credentialsPage(ctx, reply, signed, 410, {
        error: 'The secret access key can be downloaded only once, right after the key is created.',
      });
    }
    const secret = ctx.iam.sealer.open(pending.sealedSecret, sealContext(record, pending.id));
    delete record.pendingAccessKey;
    await saveSession(ctx.iam, record);
    const who =
      record.principal.kind === 'root' ? 'rootkey' : `${principalLabel(record.principal)}_accessKeys`;
    return reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${who.replace(/[^\w+=,.@-]/g, '_')}.csv"`)
      .send(`Access key ID,Secret access key\n${pending.id},${secret}\n`);
  });

  server.post(`${BASE}/access-keys/status`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const id = formText(form, 'id', 128);
    const status = formText(form, 'status', 16);
    if (!ACCESS_KEY_ID.test(id) || (status !== 'Active' && status !== 'Inactive')) {
      return credentialsPage(ctx, reply, signed, 400, { error: 'That is not an access key of yours.' });
    }
    const result = await callIam(signed.caller, ctx, 'UpdateAccessKey', { AccessKeyId: id, Status: status });
    if (!result.ok)
      return credentialsPage(ctx, reply, signed, statusOf(result.error.code), { error: result.error });
    return redirect(reply, `${BASE}?notice=key-updated`);
  });

  server.post(`${BASE}/access-keys/delete`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const id = formText(form, 'id', 128);
    if (!ACCESS_KEY_ID.test(id))
      return credentialsPage(ctx, reply, signed, 400, { error: 'That is not an access key of yours.' });
    const result = await callIam(signed.caller, ctx, 'DeleteAccessKey', { AccessKeyId: id });
    if (!result.ok)
      return credentialsPage(ctx, reply, signed, statusOf(result.error.code), { error: result.error });
    return redirect(reply, `${BASE}?notice=key-deleted`);
  });

  // ---- virtual MFA

  server.post(`${BASE}/mfa/create`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const name = formText(form, 'device-name', 226);
    if (!DEVICE_NAME.test(name)) {
      return credentialsPage(ctx, reply, signed, 400, {
        error: 'The device name may contain only letters, digits and + = , . @ _ - (up to 226 characters).',
      });
    }
    const result = await startVirtualMfa(ctx, signed, name);
    if (!result.ok)
      return credentialsPage(ctx, reply, signed, statusOf(result.error.code), { error: result.error });
    return redirect(reply, `${BASE}/mfa/assign`);
  });

  server.get(`${BASE}/mfa/assign`, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    return assignPage(ctx, reply, signed, 200);
  });

  server.post(`${BASE}/mfa/enable`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const pending = signed.record.pendingMfa;
    if (!pending) return redirect(reply, BASE);
    const code1 = formText(form, 'code1', 16);
    const code2 = formText(form, 'code2', 16);
    if (!/^\d{6}$/.test(code1) || !/^\d{6}$/.test(code2)) {
      return assignPage(
        ctx,
        reply,
        signed,
        400,
        'Enter two consecutive six-digit codes from your authenticator app.',
      );
    }
    const result = await callIam(signed.caller, ctx, 'EnableMFADevice', {
      UserName: ownerName(signed.caller),
      SerialNumber: pending.serialNumber,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    });
    if (!result.ok) return assignPage(ctx, reply, signed, statusOf(result.error.code), result.error);
    delete signed.record.pendingMfa;
    await saveSession(ctx.iam, signed.record);
    const codesPage = await recoveryCodesAfterEnrolment(ctx, signed);
    return redirect(reply, codesPage ?? `${BASE}?notice=mfa-assigned`);
  });

  server.post(`${BASE}/mfa/cancel`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const pending = signed.record.pendingMfa;
    if (pending) {
      // Best effort: the seed policies let a user delete only with MFA; an unassigned device is harmless.
      await callIam(signed.caller, ctx, 'DeleteVirtualMFADevice', { SerialNumber: pending.serialNumber });
      delete signed.record.pendingMfa;
      await saveSession(ctx.iam, signed.record);
    }
    return redirect(reply, BASE);
  });

  server.post(`${BASE}/mfa/remove`, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const serial = formText(form, 'serial', 2048);
    const input =
      signed.caller.type === 'root'
        ? { SerialNumber: serial }
        : { UserName: signed.caller.userName, SerialNumber: serial };
    const deactivated = await callIam(signed.caller, ctx, 'DeactivateMFADevice', input);
    if (!deactivated.ok) {
      return credentialsPage(ctx, reply, signed, statusOf(deactivated.error.code), {
        error: deactivated.error,
      });
    }
    // A security key is gone once deactivated; only a virtual device remains to be deleted.
    if (serial.includes(':u2f/')) return redirect(reply, `${BASE}?notice=mfa-removed`);
    const deleted = await callIam(signed.caller, ctx, 'DeleteVirtualMFADevice', { SerialNumber: serial });
    if (!deleted.ok) {
      return credentialsPage(ctx, reply, signed, statusOf(deleted.error.code), {
        error: `The device was deactivated but not deleted: ${deleted.error.message}`,
      });
    }
    return redirect(reply, `${BASE}?notice=mfa-removed`);
  });
}

/** Where the device created by startVirtualMfa is assigned (its QR code, then two codes). */
export const ASSIGN_MFA_PAGE = `${BASE}/mfa/assign`;

/**
 * Creates a virtual MFA device of this name for the signed-in principal (CreateVirtualMFADevice, as
 * its policies allow) and keeps its seed and QR code, sealed, in the session for the assign page.
 */
export async function startVirtualMfa(
  ctx: ConsoleContext,
  signed: Signed,
  name: string,
): Promise<{ ok: true } | { ok: false; error: IamError }> {
  let result = await callIam(signed.caller, ctx, 'CreateVirtualMFADevice', { VirtualMFADeviceName: name });
  if (!result.ok && result.error.code === 'EntityAlreadyExists') {
    // An earlier assignment was abandoned: the unassigned device is replaced, if the policies allow.
    const serial = `arn:aws:iam::${signed.caller.account}:mfa/${name}`;
    const removed = await callIam(signed.caller, ctx, 'DeleteVirtualMFADevice', { SerialNumber: serial });
    if (removed.ok)
      result = await callIam(signed.caller, ctx, 'CreateVirtualMFADevice', { VirtualMFADeviceName: name });
  }
  if (!result.ok) return result;
  const device = result.output.VirtualMFADevice as {
    SerialNumber: string;
    Base32StringSeed: string;
    QRCodePNG: Uint8Array;
  };
  const record = signed.record;
  const context = sealContext(record, device.SerialNumber);
  record.pendingMfa = {
    serialNumber: device.SerialNumber,
    sealedSeed: ctx.iam.sealer.seal(String(device.Base32StringSeed), context),
    sealedPng: ctx.iam.sealer.seal(Buffer.from(device.QRCodePNG).toString('base64'), context),
  };
  await saveSession(ctx.iam, record);
  return { ok: true };
}

/** An error in place: AccessDenied with AWS's message as a denied box, anything else as an error. */
function problemBox(error: string | IamError): Html {
  if (typeof error === 'string') return alertBox('error', error);
  return error.code === 'AccessDenied' ? deniedBox(error.message) : alertBox('error', error.message);
}

function statusOf(code: string): number {
  return code === 'AccessDenied' ? 403 : code === 'NoSuchEntity' ? 404 : code === 'LimitExceeded' ? 409 : 400;
}

function sealContext(record: ConsoleSessionRecord, id: string): string {
  return `console:${record.id}:${id}`;
}

/** EnableMFADevice's UserName: the IAM user, or the account id for the root user. */
function ownerName(caller: Caller): string {
  return caller.type === 'root' ? caller.account : (caller.userName ?? '');
}

function defaultDeviceName(caller: Caller): string {
  return caller.type === 'root' ? 'root-account-mfa-device' : (caller.userName ?? 'mfa-device');
}

export async function credentialsPage(
  ctx: ConsoleContext,
  reply: FastifyReply,
  signed: Signed,
  status: number,
  messages: { error?: string | IamError; notice?: Html; newKey?: { id: string; secret: string } },
): Promise<FastifyReply> {
  const { caller, record } = signed;
  if (caller.type === 'assumed-role' || caller.type === 'federated-user')
    return sessionCredentialsPage(reply, signed, status, messages);
  const csrf = record.csrf;
  const self = caller.type === 'root' ? {} : { UserName: caller.userName };
  const who = await callIam(caller, ctx, 'GetUser');
  const devices = await callIam(caller, ctx, 'ListMFADevices', self);
  const keys = await callIam(caller, ctx, 'ListAccessKeys', self);

  const identity = section('Your identity', 'identity-heading', who, (out) => {
    const u = out.User as Record<string, string | undefined>;
    return html`<dl>
      ${
        u.UserName
          ? html`<dt>User name</dt>
              <dd>${u.UserName}</dd>`
          : html`<dt>User</dt>
              <dd>Root user</dd>`
      }
      <dt>ARN</dt>
      <dd><code>${u.Arn}</code></dd>
      <dt>Created</dt>
      <dd>${u.CreateDate}</dd>
      <dt>Console password last used</dt>
      <dd>${u.PasswordLastUsed ?? 'Never'}</dd>
    </dl>`;
  });

  const password =
    caller.type === 'user'
      ? html`<section aria-labelledby="password-heading">
          <h2 id="password-heading">Console password</h2>
          <details>
            <summary>Update console password</summary>
            ${await passwordPolicyList(ctx)}
            <form method="post" action="${BASE}/password" class="card">
              ${csrfField(csrf)}
              ${field({ id: 'old-password', label: 'Current password', type: 'password', autocomplete: 'current-password' })}
              ${field({ id: 'new-password', label: 'New password', type: 'password', autocomplete: 'new-password' })}
              ${field({ id: 'confirm-password', label: 'Confirm new password', type: 'password', autocomplete: 'new-password' })}
              <button type="submit">Update password</button>
            </form>
          </details>
        </section>`
      : '';

  const mfa = html`<section aria-labelledby="mfa-heading">
    <h2 id="mfa-heading">Multi-factor authentication (MFA)</h2>
    ${
      devices.ok
        ? table(
            'Your MFA devices',
            ['Identifier', 'Assigned', 'Actions'],
            ((devices.output.MFADevices ?? []) as Record<string, string>[]).map((d) => [
              html`<code>${d.SerialNumber}</code>`,
              d.EnableDate,
              dangerForm(
                `${BASE}/mfa/remove`,
                csrf,
                'Remove',
                { serial: d.SerialNumber ?? '' },
                'Sign-in will no longer ask for this device; its codes stop working.',
              ),
            ]),
          )
        : deniedBox(devices.error.message)
    }
    <form method="post" action="${BASE}/mfa/create" class="card">
      ${csrfField(csrf)}
      <h3>Assign MFA device</h3>
      ${field({ id: 'device-name', label: 'Device name', value: defaultDeviceName(caller), hint: 'Letters, digits and + = , . @ _ - only.' })}
      <p>Device type: Authenticator app (a virtual MFA device).</p>
      <button type="submit">Assign MFA device</button>
    </form>
  </section>`;

  const keyCount = keys.ok ? ((keys.output.AccessKeyMetadata ?? []) as unknown[]).length : 0;
  const newKey = messages.newKey;
  const accessKeys = html`<section aria-labelledby="keys-heading">
    <h2 id="keys-heading">Access keys</h2>
    ${
      newKey
        ? alertBox(
            'success',
            html`<strong>Access key created.</strong>
              <p>
                This is the only time that the secret access key can be viewed or downloaded. You cannot
                recover it later.
              </p>
              <dl>
                <dt>Access key ID</dt>
                <dd><code id="new-access-key-id">${newKey.id}</code></dd>
                <dt>Secret access key</dt>
                <dd><code id="new-secret-access-key">${newKey.secret}</code></dd>
              </dl>
              <p><a href="${BASE}/access-keys/download" download>Download .csv file</a></p>`,
          )
        : ''
    }
    ${
      keys.ok
        ? table(
            'Your access keys',
            ['Access key ID', 'Status', 'Created', 'Actions'],
            ((keys.output.AccessKeyMetadata ?? []) as Record<string, string>[]).map((k) => [
              html`<code>${k.AccessKeyId}</code>`,
              k.Status,
              k.CreateDate,
              html`${buttonForm(
                `${BASE}/access-keys/status`,
                csrf,
                k.Status === 'Active' ? 'Make inactive' : 'Make active',
                {
                  id: k.AccessKeyId ?? '',
                  status: k.Status === 'Active' ? 'Inactive' : 'Active',
                },
              )}
              ${dangerForm(
                `${BASE}/access-keys/delete`,
                csrf,
                'Delete',
                { id: k.AccessKeyId ?? '' },
                `Requests signed with ${k.AccessKeyId ?? 'this key'} will fail. This cannot be undone.`,
              )}`,
            ]),
          )
        : deniedBox(keys.error.message)
    }
    ${
      keyCount >= 2
        ? html`<p>You have the maximum of two access keys. Delete one to create another.</p>`
        : buttonForm(`${BASE}/access-keys/create`, csrf, 'Create access key')
    }
  </section>`;

  // AWS's page also lists these for an IAM user; here they live on the user's own Security
  // credentials tab, where the same operations (and the user's own policies) decide each section.
  const otherCredentials =
    caller.type === 'user' && caller.userName
      ? html`<section aria-labelledby="other-credentials-heading">
          <h2 id="other-credentials-heading">Other credentials</h2>
          <p>
            SSH public keys and HTTPS Git credentials for AWS CodeCommit, credentials for Amazon Keyspaces and
            X.509 signing certificates are on
            <a href="${tabUrl(path(`${ADMIN}/users`, caller.userName), CREDENTIALS_TAB)}"
              >your user's Security credentials tab</a
            >.
          </p>
        </section>`
      : '';

  const body = html`${messages.notice ? alertBox('success', messages.notice) : ''}
  ${messages.error ? problemBox(messages.error) : ''} ${identity} ${password} ${mfa}
  ${await securityKeysSection(ctx, signed, devices.ok ? true : devices.error.message)}
  ${await recoveryCodesSection(ctx, signed)} ${accessKeys} ${otherCredentials}`;
  return sendHtml(
    reply,
    status,
    layout({
      title: 'My security credentials',
      body,
      user: signed.user,
      current: BASE,
      scripts: WEBAUTHN_SCRIPTS,
    }),
  );
}

async function assignPage(
  ctx: ConsoleContext,
  reply: FastifyReply,
  signed: Signed,
  status: number,
  error?: string | IamError,
): Promise<FastifyReply> {
  const pending = signed.record.pendingMfa;
  if (!pending) return redirect(reply, BASE);
  const context = sealContext(signed.record, pending.serialNumber);
  const seed = ctx.iam.sealer.open(pending.sealedSeed, context);
  const png = ctx.iam.sealer.open(pending.sealedPng, context);
  const csrf = signed.record.csrf;
  const body = html`${error ? problemBox(error) : ''}
    <p>Device: <code>${pending.serialNumber}</code></p>
    <ol class="steps">
      <li>
        Install a compatible application such as Google Authenticator, Duo Mobile or Authy on your phone or
        computer.
      </li>
      <li>
        Open your authenticator app and scan the QR code below. Alternatively, choose
        <strong>Show secret key</strong> and type the secret key into the app.
        <figure>
          <img
            id="qr-code"
            src="data:image/png;base64,${png}"
            alt="QR code for the virtual MFA device ${pending.serialNumber}"
            width="225"
            height="225"
          />
          <figcaption>QR code for your authenticator app</figcaption>
        </figure>
        <details>
          <summary>Show secret key</summary>
          <p>Secret key: <code id="secret-key">${seed}</code></p>
        </details>
      </li>
      <li>
        Type two consecutive MFA codes below.
        <form method="post" action="${BASE}/mfa/enable" class="card">
          ${csrfField(csrf)}
          ${field({ id: 'code1', label: 'MFA code 1', inputmode: 'numeric', pattern: '[0-9]{6}', autocomplete: 'one-time-code' })}
          ${field({ id: 'code2', label: 'MFA code 2', inputmode: 'numeric', pattern: '[0-9]{6}', autocomplete: 'one-time-code' })}
          <button type="submit">Add MFA</button>
        </form>
      </li>
    </ol>
    ${buttonForm(`${BASE}/mfa/cancel`, csrf, 'Cancel')}`;
  return sendHtml(reply, status, layout({ title: 'Set up device', body, user: signed.user, current: BASE }));
}

/**
 * A role session or a federated user (signed in through the federation endpoint) has no
 * password, MFA devices or access keys of its own: those belong to IAM users and the root user.
 */
function sessionCredentialsPage(
  reply: FastifyReply,
  signed: Signed,
  status: number,
  messages: { error?: string | IamError; notice?: Html },
): FastifyReply {
  const { caller, user } = signed;
  const error = messages.error;
  const body = html`${messages.notice ? alertBox('success', messages.notice) : ''}
    ${error ? alertBox('error', typeof error === 'string' ? error : error.message) : ''}
    <section aria-labelledby="identity-heading">
      <h2 id="identity-heading">Your identity</h2>
      <dl>
        <dt>${caller.type === 'assumed-role' ? 'Role session' : 'Federated user'}</dt>
        <dd><code>${caller.arn}</code></dd>
        <dt>Credentials expire</dt>
        <dd>${caller.session?.expiresAt ?? ''}</dd>
      </dl>
      <p>
        You signed in with temporary security credentials. They have no console password, MFA devices or
        access keys of their own: those belong to IAM users.
      </p>
    </section>`;
  return sendHtml(reply, status, layout({ title: 'My security credentials', body, user, current: BASE }));
}
