// A user's SSH public keys (CodeCommit) and X.509 signing certificates on the user's page, as AWS's
// console shows them under "Security credentials": listed with their status, uploaded, made
// active or inactive, and deleted — each through the IAM operation of the same name, authorized as
// the signed-in caller. Neither holds a secret: both are public halves the user hands in. And,
// before a user is deleted, these and the user's service-specific credentials removed.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import { tabUrl } from './tabs.ts';
import {
  ADMIN,
  type Messages,
  action,
  credentialActions,
  path,
  plausibleName,
  postForm,
  section,
  statusOf,
  textarea,
} from './common.ts';

/** The tab of a user's page that holds its credentials. */
export const CREDENTIALS_TAB = 'security-credentials';
const BASE = `${ADMIN}/users`;
/** The model's publicKeyIdType and certificateIdType: 20 to 128 characters of [\w]. */
const SSH_KEY_ID = /^\w{20,128}$/;
const CERTIFICATE_ID = /^\w{24,128}$/;
/** The model's publicKeyMaterialType and certificateBodyType: at most 16,384 characters. */
const MAX_BODY = 16_384;

export const USER_KEY_NOTICES: Readonly<Record<string, string>> = {
  'ssh-uploaded': 'The SSH public key was uploaded.',
  'ssh-updated': 'The SSH public key was updated.',
  'ssh-deleted': 'The SSH public key was deleted.',
  'certificate-uploaded': 'The signing certificate was uploaded.',
  'certificate-updated': 'The signing certificate was updated.',
  'certificate-deleted': 'The signing certificate was deleted.',
};

export type Render = (
  signed: Signed,
  reply: FastifyReply,
  name: string,
  status: number,
  messages: Messages,
) => Promise<FastifyReply>;

/**
 * An action on one of a user's credentials, posted from the Security credentials tab: the user's
 * name checked, `run` called, the tab shown again with the error or redirected to with the notice
 * `run` names.
 */
export function userCredentialAction(
  server: FastifyInstance,
  ctx: ConsoleContext,
  render: Render,
  suffix: string,
  run: (
    signed: Signed,
    form: URLSearchParams,
    name: string,
  ) => Promise<{ error: IamError | string } | string>,
): void {
  action<{ name: string }>(server, ctx, `${BASE}/:name/${suffix}`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, 128)) return reply.code(303).header('location', BASE).send();
    const outcome = await run(signed, form, name);
    if (typeof outcome !== 'string')
      return render(signed, reply, name, statusOf(outcome.error), {
        error: outcome.error,
        tab: CREDENTIALS_TAB,
      });
    return reply
      .code(303)
      .header('location', tabUrl(path(BASE, name), CREDENTIALS_TAB, outcome))
      .send();
  });
}

export function registerUserKeyActions(server: FastifyInstance, ctx: ConsoleContext, render: Render): void {
  const userAction = (
    suffix: string,
    run: (
      signed: Signed,
      form: URLSearchParams,
      name: string,
    ) => Promise<{ error: IamError | string } | string>,
  ) => userCredentialAction(server, ctx, render, suffix, run);
  const call = async (signed: Signed, operation: string, input: Record<string, unknown>, notice: string) => {
    const result = await callIam(signed.caller, ctx, operation, input);
    return result.ok ? notice : { error: result.error };
  };
  const status = (form: URLSearchParams) => {
    const value = formText(form, 'status', 16);
    return value === 'Active' || value === 'Inactive' ? value : undefined;
  };

  userAction('ssh-keys/upload', (signed, form, name) =>
    call(
      signed,
      'UploadSSHPublicKey',
      { UserName: name, SSHPublicKeyBody: formText(form, 'body', MAX_BODY) },
      'ssh-uploaded',
    ),
  );
  userAction('ssh-keys/status', async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    const to = status(form);
    if (!SSH_KEY_ID.test(id) || !to) return { error: 'That is not an SSH public key of this user.' };
    return call(
      signed,
      'UpdateSSHPublicKey',
      { UserName: name, SSHPublicKeyId: id, Status: to },
      'ssh-updated',
    );
  });
  userAction('ssh-keys/delete', async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    if (!SSH_KEY_ID.test(id)) return { error: 'That is not an SSH public key of this user.' };
    return call(signed, 'DeleteSSHPublicKey', { UserName: name, SSHPublicKeyId: id }, 'ssh-deleted');
  });

  userAction('certificates/upload', (signed, form, name) =>
    call(
      signed,
      'UploadSigningCertificate',
      { UserName: name, CertificateBody: formText(form, 'body', MAX_BODY) },
      'certificate-uploaded',
    ),
  );
  userAction('certificates/status', async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    const to = status(form);
    if (!CERTIFICATE_ID.test(id) || !to) return { error: 'That is not a signing certificate of this user.' };
    return call(
      signed,
      'UpdateSigningCertificate',
      { UserName: name, CertificateId: id, Status: to },
      'certificate-updated',
    );
  });
  userAction('certificates/delete', async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    if (!CERTIFICATE_ID.test(id)) return { error: 'That is not a signing certificate of this user.' };
    return call(
      signed,
      'DeleteSigningCertificate',
      { UserName: name, CertificateId: id },
      'certificate-deleted',
    );
  });
}

/** The two sections of the user's page, each with its list and its upload form. */
export async function userKeySections(ctx: ConsoleContext, signed: Signed, name: string): Promise<Html> {
  const csrf = signed.record.csrf;
  const base = path(BASE, name);
  const sshKeys = await callIam(signed.caller, ctx, 'ListSSHPublicKeys', { UserName: name, MaxItems: 1000 });
  const certificates = await callIam(signed.caller, ctx, 'ListSigningCertificates', {
    UserName: name,
    MaxItems: 1000,
  });

  const sshSection = section(
    'SSH public keys for AWS CodeCommit',
    'ssh-heading',
    sshKeys,
    (out) =>
      table(
        'SSH public keys of this user',
        ['SSH key ID', 'Status', 'Uploaded', 'Actions'],
        ((out.SSHPublicKeys ?? []) as Record<string, string>[]).map((k) => [
          html`<code>${k.SSHPublicKeyId}</code>`,
          k.Status,
          k.UploadDate,
          credentialActions(
            `${base}/ssh-keys`,
            csrf,
            k.SSHPublicKeyId ?? '',
            k.Status,
            'Git connections made with this key will fail. This cannot be undone.',
          ),
        ]),
      ),
    postForm(
      `${base}/ssh-keys/upload`,
      csrf,
      html`${textarea({
          id: 'ssh-body',
          name: 'body',
          label: 'SSH public key (ssh-rsa in OpenSSH format, or PEM)',
          rows: 4,
          required: true,
        })} <button type="submit">Upload SSH public key</button>`,
      { label: 'Upload SSH public key' },
    ),
  );

  const certificateSection = section(
    'X.509 signing certificates',
    'certificates-heading',
    certificates,
    (out) =>
      table(
        'Signing certificates of this user',
        ['Certificate ID', 'Status', 'Uploaded', 'Actions'],
        ((out.Certificates ?? []) as Record<string, string>[]).map((c) => [
          html`<code>${c.CertificateId}</code>`,
          c.Status,
          c.UploadDate,
          credentialActions(
            `${base}/certificates`,
            csrf,
            c.CertificateId ?? '',
            c.Status,
            'Requests signed with this certificate will fail. This cannot be undone.',
          ),
        ]),
      ),
    postForm(
      `${base}/certificates/upload`,
      csrf,
      html`${textarea({
          id: 'certificate-body',
          name: 'body',
          label: 'Certificate body (PEM)',
          rows: 6,
          required: true,
        })} <button type="submit">Upload signing certificate</button>`,
      { label: 'Upload signing certificate' },
    ),
  );
  return html`${sshSection} ${certificateSection}`;
}

/**
 * Before DeleteUser, as the AWS console does: the user's SSH public keys, signing certificates and
 * service-specific credentials, which DeleteUser refuses to delete around (DeleteConflict). Stops at
 * the first refusal.
 */
export async function removeUserKeys(
  ctx: ConsoleContext,
  signed: Signed,
  name: string,
): Promise<IamError | undefined> {
  const call = (op: string, input: Record<string, unknown>) => callIam(signed.caller, ctx, op, input);
  const user = { UserName: name };
  const kinds = [
    ['ListSSHPublicKeys', 'SSHPublicKeys', 'SSHPublicKeyId', 'DeleteSSHPublicKey'],
    ['ListSigningCertificates', 'Certificates', 'CertificateId', 'DeleteSigningCertificate'],
    [
      'ListServiceSpecificCredentials',
      'ServiceSpecificCredentials',
      'ServiceSpecificCredentialId',
      'DeleteServiceSpecificCredential',
    ],
  ] as const;
  for (const [list, member, id, remove] of kinds) {
    const listed = await call(list, { ...user, MaxItems: 1000 });
    if (!listed.ok) return listed.error;
    for (const item of (listed.output[member] ?? []) as Record<string, string>[]) {
      const removed = await call(remove, { ...user, [id]: item[id] });
      if (!removed.ok) return removed.error;
    }
  }
  return undefined;
}
