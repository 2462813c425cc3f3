// A user's service-specific credentials on the Security credentials tab, as AWS's console shows
// them ("HTTPS Git credentials for AWS CodeCommit", "Credentials for Amazon Keyspaces (for Apache
// Cassandra)"): generated, listed, their password reset, made active or inactive, and deleted, each
// through the IAM operation of the same name, authorized as the signed-in caller.
//
// A password is shown once (IAM User Guide, "Use IAM with Amazon Keyspaces" and "Setup for HTTPS
// users using Git credentials": it cannot be recovered later, only reset). CreateServiceSpecific-
// Credential and ResetServiceSpecificCredential return it; the console keeps it sealed in the
// session and redirects (Post/Redirect/Get) to a page that shows it and forgets it, so a reload
// shows it no more and creates nothing.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { saveSession } from '../../domain/console-sessions.ts';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type OperationResult, type Signed, callIam } from '../context.ts';
import { alertBox, buttonForm, html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import {
  ADMIN,
  action,
  credentialActions,
  page,
  path,
  plausibleName,
  postForm,
  section,
  statusOf,
} from './common.ts';
import { tabUrl } from './tabs.ts';
import { CREDENTIALS_TAB, type Render, userCredentialAction } from './user-ssh-and-certificates.ts';

const BASE = `${ADMIN}/users`;
const TAB = CREDENTIALS_TAB;
/** The model's serviceSpecificCredentialId: 20 to 128 characters of [\w]. */
const CREDENTIAL_ID = /^\w{20,128}$/;
/** How long after Create or Reset the password may still be shown (once). */
const SHOW_WINDOW_MS = 10 * 60 * 1000;

/** The services AWS's console offers credentials for on this tab, in its order. */
const SERVICES = [
  { name: 'codecommit.amazonaws.com', title: 'HTTPS Git credentials for AWS CodeCommit' },
  { name: 'cassandra.amazonaws.com', title: 'Credentials for Amazon Keyspaces (for Apache Cassandra)' },
] as const;

export const SERVICE_CREDENTIAL_NOTICES: Readonly<Record<string, string>> = {
  'service-credential-updated': 'The service-specific credential was updated.',
  'service-credential-deleted': 'The service-specific credential was deleted.',
  'service-password-shown-once':
    'A service-specific password is shown only once, right after it is generated or reset. Reset it to get a new one.',
};

export function registerServiceCredentialActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  render: Render,
): void {
  const back = (reply: FastifyReply, name: string, notice?: string) =>
    reply
      .code(303)
      .header('location', tabUrl(path(BASE, name), TAB, notice))
      .send();

  /** Create or Reset: the password goes sealed into the session, and the next page shows it. */
  const revealing = (
    suffix: string,
    run: (signed: Signed, form: URLSearchParams, name: string) => Promise<Answer>,
  ) =>
    action<{ name: string }>(
      server,
      ctx,
      `${BASE}/:name/${suffix}`,
      async (signed, form, { name }, reply) => {
        if (!plausibleName(name, 128)) return reply.code(303).header('location', BASE).send();
        const answer = await run(signed, form, name);
        if ('error' in answer)
          return render(signed, reply, name, statusOf(answer.error), { error: answer.error, tab: TAB });
        const record = signed.record;
        record.pendingServiceCredential = {
          id: answer.id,
          userName: name,
          sealedPassword: ctx.iam.sealer.seal(answer.password, sealContext(record.id, answer.id)),
          createdAt: ctx.iam.now().toISOString(),
        };
        await saveSession(ctx.iam, record);
        return reply
          .code(303)
          .header(
            'location',
            `${path(BASE, name)}/service-credentials/shown?id=${encodeURIComponent(answer.id)}`,
          )
          .send();
      },
    );

  revealing('service-credentials/create', async (signed, form, name) => {
    const service = formText(form, 'service', 64);
    if (!SERVICES.some((s) => s.name === service))
      return { error: 'Choose a service to generate credentials for.' };
    return revealed(
      await callIam(signed.caller, ctx, 'CreateServiceSpecificCredential', {
        UserName: name,
        ServiceName: service,
      }),
    );
  });
  revealing('service-credentials/reset', async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    if (!CREDENTIAL_ID.test(id)) return { error: 'That is not a service-specific credential of this user.' };
    return revealed(
      await callIam(signed.caller, ctx, 'ResetServiceSpecificCredential', {
        UserName: name,
        ServiceSpecificCredentialId: id,
      }),
    );
  });

  // The page after Create or Reset: the password once, then never again.
  page<{ name: string }>(
    server,
    ctx,
    `${BASE}/:name/service-credentials/shown`,
    async (signed, query, { name }, reply) => {
      if (!plausibleName(name, 128)) return reply.code(303).header('location', BASE).send();
      const record = signed.record;
      const pending = record.pendingServiceCredential;
      const fresh = pending && ctx.iam.now().getTime() < Date.parse(pending.createdAt) + SHOW_WINDOW_MS;
      if (!pending || !fresh || pending.id !== query.id || pending.userName !== name)
        return back(reply, name, 'service-password-shown-once');
      delete record.pendingServiceCredential;
      await saveSession(ctx.iam, record);
      const password = ctx.iam.sealer.open(pending.sealedPassword, sealContext(record.id, pending.id));
      return render(signed, reply, name, 200, { tab: TAB, revealed: passwordBox(pending.id, password) });
    },
  );

  const simple = (
    suffix: string,
    run: (
      signed: Signed,
      id: string,
      form: URLSearchParams,
      name: string,
    ) => Promise<{ error: IamError | string } | string>,
  ) =>
    userCredentialAction(server, ctx, render, suffix, (signed, form, name) => {
      const id = formText(form, 'id', 128);
      return CREDENTIAL_ID.test(id)
        ? run(signed, id, form, name)
        : Promise.resolve({ error: 'That is not a service-specific credential of this user.' });
    });
  const call = async (signed: Signed, operation: string, input: Record<string, unknown>, notice: string) => {
    const result = await callIam(signed.caller, ctx, operation, input);
    return result.ok ? notice : { error: result.error };
  };
  simple('service-credentials/status', (signed, id, form, name) => {
    const status = formText(form, 'status', 16);
    if (status !== 'Active' && status !== 'Inactive')
      return Promise.resolve({ error: 'Choose Active or Inactive.' });
    return call(
      signed,
      'UpdateServiceSpecificCredential',
      { UserName: name, ServiceSpecificCredentialId: id, Status: status },
      'service-credential-updated',
    );
  });
  simple('service-credentials/delete', (signed, id, _form, name) =>
    call(
      signed,
      'DeleteServiceSpecificCredential',
      { UserName: name, ServiceSpecificCredentialId: id },
      'service-credential-deleted',
    ),
  );
}

type Answer = { readonly id: string; readonly password: string } | { readonly error: IamError | string };

function revealed(result: OperationResult): Answer {
  if (!result.ok) return { error: result.error };
  const credential = result.output.ServiceSpecificCredential as Record<string, string>;
  return { id: credential.ServiceSpecificCredentialId!, password: credential.ServicePassword! };
}

function sealContext(sessionId: string, credentialId: string): string {
  return `console:${sessionId}:${credentialId}`;
}

function passwordBox(id: string, password: string): Html {
  return alertBox(
    'success',
    html`<p>
        This is the only time the password of credential <code>${id}</code> can be viewed. Copy it now; if it
        is lost, reset it.
      </p>
      <dl>
        <dt>Password</dt>
        <dd><code id="service-password">${password}</code></dd>
      </dl>`,
  );
}

/** The section for each service: its credentials (user name, status, actions) and "Generate credentials". */
export async function serviceCredentialSections(
  ctx: ConsoleContext,
  signed: Signed,
  name: string,
  revealedBox: Html | undefined,
): Promise<Html> {
  const csrf = signed.record.csrf;
  const base = path(BASE, name);
  const listed = await callIam(signed.caller, ctx, 'ListServiceSpecificCredentials', { UserName: name });
  const all = listed.ok ? ((listed.output.ServiceSpecificCredentials ?? []) as Record<string, string>[]) : [];
  const sections = SERVICES.map((service, index) =>
    section(
      service.title,
      `service-credentials-${index}-heading`,
      listed,
      () =>
        table(
          `${service.title} of this user`,
          ['User name', 'Credential ID', 'Created', 'Status', 'Actions'],
          all
            .filter((c) => c.ServiceName === service.name)
            .map((c) => [
              html`<code>${c.ServiceUserName ?? ''}</code>`,
              html`<code>${c.ServiceSpecificCredentialId}</code>`,
              c.CreateDate ?? '',
              c.Status ?? '',
              html`${buttonForm(`${base}/service-credentials/reset`, csrf, 'Reset password', {
                id: c.ServiceSpecificCredentialId ?? '',
              })}
              ${credentialActions(
                `${base}/service-credentials`,
                csrf,
                c.ServiceSpecificCredentialId ?? '',
                c.Status,
                'Connections made with these credentials will fail. This cannot be undone.',
              )}`,
            ]),
        ),
      postForm(
        `${base}/service-credentials/create`,
        csrf,
        html`<input type="hidden" name="service" value="${service.name}" />
          <button type="submit">Generate credentials</button>`,
        { label: `Generate ${service.title}` },
      ),
    ),
  );
  return html`${revealedBox ?? ''} ${sections}`;
}
