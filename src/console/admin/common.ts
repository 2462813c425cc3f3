// What the administration pages share: their layout with the sub-navigation, the way an action is
// received (POST, CSRF checked by requireSession), errors shown in place, form controls the base
// helpers lack (textarea, select, checkbox), and the input checks the API's protocol would make.
//
// The console calls domain operations directly, without the Query protocol that checks input
// against AWS's API model, so the few constraints the pages' inputs can break (name patterns and
// lengths, policy document characters, durations) are checked here and worded as IAM words them
// ("1 validation error detected: Value at 'userName' failed to satisfy constraint: ...").
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type OperationResult, type Signed, requireSession } from '../context.ts';
import {
  alertBox,
  buttonForm,
  csrfField,
  dangerForm,
  deniedBox,
  field,
  html,
  layout,
  trustedHtml,
  type Html,
  type Interpolation,
} from '../html.ts';
import { readForm, sendHtml } from '../web.ts';
import { explained } from './validation-words.ts';
import { POLICY_EDITOR_SCRIPT, type EditorProblem } from './policy-editor.ts';

export const ADMIN = '/console/admin';

const SUB_NAV: readonly { href: string; label: string }[] = [
  { href: `${ADMIN}/users`, label: 'Users' },
  { href: `${ADMIN}/groups`, label: 'User groups' },
  { href: `${ADMIN}/roles`, label: 'Roles' },
  { href: `${ADMIN}/policies`, label: 'Policies' },
  { href: `${ADMIN}/identity-providers`, label: 'Identity providers' },
  { href: `${ADMIN}/credential-report`, label: 'Credential report' },
  { href: `${ADMIN}/simulator`, label: 'Policy simulator' },
  { href: `${ADMIN}/account-settings`, label: 'Account settings' },
];

/** What a page shows above its sections after an action: a notice, or the error that stopped it. */
export interface Messages {
  readonly notice?: string | undefined;
  readonly error?: IamError | string | undefined;
  /** Form text to show again after a failed action (keyed by field name). */
  readonly draft?: Readonly<Record<string, string>> | undefined;
  /** A policy document refused: shown beside its editor rather than above the page. */
  readonly editor?: EditorProblem | undefined;
  /** The tab of an entity's page to show (the one a failed action was posted from). */
  readonly tab?: string | undefined;
  /** A secret shown once, on its tab (a service-specific credential's new password). */
  readonly revealed?: Html | undefined;
}

export function adminPage(
  reply: FastifyReply,
  signed: Signed,
  status: number,
  options: { title: string; section: string; body: Html; messages?: Messages },
): FastifyReply {
  const m = options.messages ?? {};
  const subNav = html`<nav aria-label="Administration" class="subnav">
    <ul>
      ${SUB_NAV.map(
        (item) =>
          html`<li>
            <a href="${item.href}" ${item.href === options.section ? trustedHtml('aria-current="page"') : ''}
              >${item.label}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
  const body = html`${subNav} ${m.notice ? alertBox('success', m.notice) : ''}
  ${m.error ? problemBox(m.error) : ''} ${options.body}`;
  const scripts = m.editor ? [POLICY_EDITOR_SCRIPT] : [];
  return sendHtml(
    reply,
    status,
    layout({ title: options.title, body, user: signed.user, current: ADMIN, scripts }),
  );
}

/** An error in place: AccessDenied with AWS's message as a denied box, anything else as an error. */
export function problemBox(error: IamError | string): Html {
  if (typeof error === 'string') return alertBox('error', error);
  if (error.code === 'AccessDenied') return deniedBox(error.message);
  const words = explained(error);
  if (words) return alertBox('error', words);
  return alertBox(
    'error',
    error.message
      ? html`<strong>${error.code}:</strong> <span class="aws-message">${error.message}</span>`
      : html`<strong>${error.code}</strong>`,
  );
}

/** A section showing what the operation returned, or why it failed, in place, then `after`. */
export function section(
  title: string,
  id: string,
  result: OperationResult,
  render: (output: Record<string, unknown>) => Interpolation,
  /** What the section offers whatever the result (a form that acts on it). */
  after: Interpolation = '',
): Html {
  return html`<section aria-labelledby="${id}">
    <h2 id="${id}">${title}</h2>
    ${result.ok ? render(result.output) : problemBox(result.error)} ${after}
  </section>`;
}

export function statusOf(error: IamError | string): number {
  if (typeof error === 'string') return 400;
  switch (error.code) {
    case 'AccessDenied':
      return 403;
    case 'NoSuchEntity':
      return 404;
    case 'EntityAlreadyExists':
    case 'DeleteConflict':
    case 'LimitExceeded':
      return 409;
    default:
      return 400;
  }
}

/** The notice named by ?notice=..., from a fixed list (the query never reaches the page as text). */
export function noticeOf(query: unknown, notices: Readonly<Record<string, string>>): string | undefined {
  const key = (query as Record<string, unknown> | undefined)?.notice;
  return typeof key === 'string' && Object.hasOwn(notices, key) ? notices[key] : undefined;
}

/** A POST route of the administration: the form is read and its CSRF token checked first. */
export function action<P extends Record<string, string>>(
  server: FastifyInstance,
  ctx: ConsoleContext,
  path: string,
  handler: (signed: Signed, form: URLSearchParams, params: P, reply: FastifyReply) => Promise<FastifyReply>,
): void {
  server.post(path, async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    return handler(signed, form, request.params as P, reply);
  });
}

export function page<P extends Record<string, string>>(
  server: FastifyInstance,
  ctx: ConsoleContext,
  path: string,
  handler: (
    signed: Signed,
    query: Record<string, string | undefined>,
    params: P,
    reply: FastifyReply,
  ) => Promise<FastifyReply>,
): void {
  server.get(path, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const raw = (request.query ?? {}) as Record<string, unknown>;
    const query: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') query[k] = v.slice(0, 4096);
    return handler(signed, query, request.params as P, reply);
  });
}

// ---- form controls

export function textarea(options: {
  id: string;
  label: string;
  value?: string;
  rows?: number;
  hint?: string;
  required?: boolean;
  name?: string;
  /** Why the text last posted was refused, shown between the hint and the editor. */
  problem?: Html | '';
  /** Where the refusal points, for the caret (a data attribute POLICY_EDITOR_JS reads). */
  errorAt?: { readonly line: number; readonly column: number };
}): Html {
  const hintId = options.hint ? `${options.id}-hint` : undefined;
  const problemId = options.problem ? `${options.id}-error` : undefined;
  const describedBy = [hintId, problemId].filter((id) => id !== undefined).join(' ');
  return html`<div class="field">
    <label for="${options.id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${hintId}">${options.hint}</p>` : ''}
    ${problemId ? html`<div class="field-problem" id="${problemId}">${options.problem}</div>` : ''}
    <textarea
      id="${options.id}"
      name="${options.name ?? options.id}"
      rows="${options.rows ?? 16}"
      cols="80"
      spellcheck="false"
      class="code"
      ${describedBy ? html`aria-describedby="${describedBy}"` : ''}
      ${problemId ? trustedHtml('aria-invalid="true"') : ''}
      ${options.errorAt ? html`data-error-line="${options.errorAt.line}" data-error-column="${options.errorAt.column}"` : ''}
      ${options.required === false ? '' : trustedHtml('required')}
    >
${options.value ?? ''}</textarea>
  </div>`;
}

export function select(options: {
  id: string;
  label: string;
  options: readonly { value: string; label: string }[];
  selected?: string;
  name?: string;
  hint?: string;
}): Html {
  const hintId = options.hint ? `${options.id}-hint` : undefined;
  return html`<div class="field">
    <label for="${options.id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${hintId}">${options.hint}</p>` : ''}
    <select
      id="${options.id}"
      name="${options.name ?? options.id}"
      ${hintId ? html`aria-describedby="${hintId}"` : ''}
    >
      ${options.options.map(
        (o) =>
          html`<option value="${o.value}" ${o.value === options.selected ? trustedHtml('selected') : ''}>
            ${o.label}
          </option>`,
      )}
    </select>
  </div>`;
}

export function checkbox(options: { id: string; label: string; checked?: boolean; name?: string }): Html {
  return html`<div class="field checkbox">
    <input
      type="checkbox"
      id="${options.id}"
      name="${options.name ?? options.id}"
      value="true"
      ${options.checked ? trustedHtml('checked') : ''}
    />
    <label for="${options.id}">${options.label}</label>
  </div>`;
}

/** A form posting to `actionPath` with the CSRF token. */
/**
 * A credential's actions that every kind shares (access keys, SSH keys, certificates,
 * service-specific credentials): "Make inactive" or "Make active", posted to `${actionBase}/status`,
 * and Delete, confirmed with `consequence`, posted to `${actionBase}/delete`, each with its id.
 */
export function credentialActions(
  actionBase: string,
  csrf: string,
  id: string,
  status: string | undefined,
  consequence: string,
): Html {
  const active = status === 'Active';
  return html`${buttonForm(`${actionBase}/status`, csrf, active ? 'Make inactive' : 'Make active', {
    id,
    status: active ? 'Inactive' : 'Active',
  })}
  ${dangerForm(`${actionBase}/delete`, csrf, 'Delete', { id }, consequence)}`;
}

export function postForm(
  actionPath: string,
  csrf: string,
  content: Html,
  options: { label?: string } = {},
): Html {
  // A form with an editor (a textarea) takes the page's width ("card wide").
  const wide = content.toString().includes('<textarea');
  return html`<form
    method="post"
    action="${actionPath}"
    class="${wide ? 'card wide' : 'card'}"
    ${options.label ? html`aria-label="${options.label}"` : ''}
  >
    ${csrfField(csrf)} ${content}
  </form>`;
}

/**
 * Deleting an entity, under its summary (so above every tab), behind a confirmation that asks for
 * its name typed out. `hidden` names the entity when the URL does not (a policy's ARN).
 */
export function deleteConfirmation(options: {
  actionPath: string;
  csrf: string;
  noun: string;
  name: string;
  consequence: string;
  hidden?: Readonly<Record<string, string>>;
}): Html {
  const { noun, name } = options;
  return html`<details class="confirm" id="delete-${noun}">
    <summary>Delete ${noun}</summary>
    <p>${options.consequence}</p>
    ${postForm(
      options.actionPath,
      options.csrf,
      html`${Object.entries(options.hidden ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
        ${field({ id: 'confirm', label: `To confirm, type the ${noun} name (${name})`, autocomplete: 'off' })}
        <button type="submit" class="danger">Delete ${noun}</button>`,
    )}
  </details>`;
}

/** A policy document as stored (URL-encoded in the API's output) made readable. */
export function decodeDocument(value: unknown): string {
  if (typeof value !== 'string') return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function documentBlock(text: string, label: string): Html {
  return html`<pre class="code" aria-label="${label}"><code>${text}</code></pre>`;
}

export function path(base: string, name: string, rest = ''): string {
  return `${base}/${encodeURIComponent(name)}${rest}`;
}

// ---- input checks, worded as the API's model validation words them (IAM does not echo values)

const NAME = /^[\w+=,.@-]+$/;
const SAML_NAME = /^[\w._-]+$/;
// The model's pattern: tab, line feed, carriage return and U+0020 to U+00FF.
// eslint-disable-next-line no-control-regex
const DOCUMENT = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const PATH = /^(\u002F|\u002F[\u0021-\u007E]+\u002F)$/;

function violation(member: string, constraint: string): IamError {
  return new IamError(
    'ValidationError',
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

function checkString(
  value: string,
  member: string,
  min: number,
  max: number,
  pattern?: RegExp,
  source?: string,
) {
  const length = [...value].length;
  if (pattern && length > 0 && !pattern.test(value))
    return violation(member, `Member must satisfy regular expression pattern: ${source}`);
  if (length < min) return violation(member, `Member must have length greater than or equal to ${min}`);
  if (length > max) return violation(member, `Member must have length less than or equal to ${max}`);
  return undefined;
}

export const check = {
  userName: (v: string, member = 'userName') => checkString(v, member, 1, 64, NAME, '[\\w+=,.@-]+'),
  groupName: (v: string, member = 'groupName') => checkString(v, member, 1, 128, NAME, '[\\w+=,.@-]+'),
  roleName: (v: string, member = 'roleName') => checkString(v, member, 1, 64, NAME, '[\\w+=,.@-]+'),
  instanceProfileName: (v: string, member = 'instanceProfileName') =>
    checkString(v, member, 1, 128, NAME, '[\\w+=,.@-]+'),
  policyName: (v: string, member = 'policyName') => checkString(v, member, 1, 128, NAME, '[\\w+=,.@-]+'),
  document: (v: string, member = 'policyDocument') =>
    checkString(v, member, 1, 131072, DOCUMENT, '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+'),
  path: (v: string, member = 'path') =>
    checkString(v, member, 1, 512, PATH, '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)'),
  arn: (v: string, member = 'policyArn') => checkString(v, member, 20, 2048),
  tagKey: (v: string, member = 'tags.1.member.key') =>
    checkString(v, member, 1, 128, TAG_KEY, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+'),
  tagValue: (v: string, member = 'tags.1.member.value') =>
    checkString(v, member, 0, 256, TAG_VALUE, '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*'),
  password: (v: string, member = 'password') =>
    checkString(v, member, 1, 128, DOCUMENT, '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+'),
  oidcUrl: (v: string, member = 'url') => checkString(v, member, 1, 255),
  clientId: (v: string, member = 'clientIDList') => checkString(v, member, 1, 255),
  thumbprint: (v: string, member = 'thumbprintList') => checkString(v, member, 40, 40),
  samlProviderName: (v: string, member = 'name') => checkString(v, member, 1, 128, SAML_NAME, '[\\w._-]+'),
  samlMetadata: (v: string, member = 'sAMLMetadataDocument') => checkString(v, member, 1000, 10_000_000),
};

/** The first failed check, if any. */
export function firstProblem(...problems: (IamError | undefined)[]): IamError | undefined {
  return problems.find((p) => p !== undefined);
}

/** A name from the URL that could be an IAM name (anything else is no such page). */
export function plausibleName(name: string, max = 128): boolean {
  return name.length >= 1 && name.length <= max && NAME.test(name);
}
