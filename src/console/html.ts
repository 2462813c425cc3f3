// HTML output, escaped by construction.
//
// Security property: every value interpolated into an `html` template is escaped (& < > " ' and
// the backtick), so a user name, a tag or an error message can never become markup. Markup that is
// already safe is an `Html` value: one made by `html` itself, or — the only way around the
// escaping — by `trustedHtml(...)`, which is greppable and used solely for constant strings.
// Attribute values must be quoted in templates (they always are here); URLs that carry data are
// built with `encodeURIComponent`, never from user text alone.

export class Html {
  readonly #value: string;
  constructor(value: string, token: typeof CONSTRUCTION_TOKEN) {
    if (token !== CONSTRUCTION_TOKEN) throw new Error('Html values are made by html`` or trustedHtml()');
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

const CONSTRUCTION_TOKEN: unique symbol = Symbol('html');

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** A value that may be interpolated: text (escaped), Html (kept), lists of either, or nothing. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof Html) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  return escapeHtml(String(value));
}

/** The tagged template: the literal parts are markup, every interpolation is escaped. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out, CONSTRUCTION_TOKEN);
}

/** Markup that is not escaped. Only for constant strings written in this code base. */
export function trustedHtml(markup: string): Html {
  return new Html(markup, CONSTRUCTION_TOKEN);
}

// ---- the page layout

export interface PageUser {
  /** "alice @ 123456789012" or "root @ 123456789012", shown in the header. */
  readonly label: string;
  readonly csrf: string;
  /** Only a fully signed-in session has the navigation (not one still changing its password). */
  readonly nav: boolean;
  /** The role the session has switched to (Switch role): shown as a coloured banner. */
  readonly switched?: SwitchedBanner;
}

export interface SwitchedBanner {
  readonly displayName: string;
  readonly account: string;
  readonly roleName: string;
  /** One of AWS's colours (SWITCH_COLORS), or "none". */
  readonly color: string;
}

export interface PageOptions {
  readonly title: string;
  readonly body: Html;
  readonly user?: PageUser;
  /** Which nav entry is current (its href). */
  readonly current?: string;
  /** Scripts (same-origin files only; the CSP forbids inline script). */
  readonly scripts?: readonly string[];
}

const NAV: readonly { href: string; label: string }[] = [
  { href: '/console', label: 'Dashboard' },
  { href: '/console/admin', label: 'Access management' },
  { href: '/console/organization', label: 'Organization' },
  { href: '/console/event-history', label: 'Event history' },
  { href: '/console/security-credentials', label: 'My security credentials' },
];

export function layout(options: PageOptions): Html {
  const { user } = options;
  const nav =
    user && user.nav
      ? html`<nav aria-label="Main">
          <ul>
            ${NAV.map(
              (item) =>
                html`<li>
                  <a
                    href="${item.href}"
                    ${item.href === options.current ? trustedHtml('aria-current="page"') : ''}
                    >${item.label}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>`
      : '';
  const account = user
    ? html`<div class="account">
        <span>${user.label}</span>
        ${user.nav ? html`<a href="/console/switch-role">Switch role</a>` : ''}
        <form method="post" action="/console/signout">
          ${csrfField(user.csrf)}
          <button type="submit">Sign out</button>
        </form>
      </div>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Portcullis</title>
        <link rel="stylesheet" href="/console/static/console.css" />
        ${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <a class="brand" href="/console">Portcullis</a>
          ${nav} ${account}
        </header>
        ${user?.switched ? switchedBanner(user.switched, user.csrf) : ''}
        <main id="main" tabindex="-1">
          <h1>${options.title}</h1>
          ${options.body}
        </main>
      </body>
    </html>`;
}

/**
 * The banner of a switched role, as AWS's console shows it in its navigation bar: the display name
 * in the chosen colour, the account and the role, and "Switch back" (one click, a POST).
 */
export function switchedBanner(switched: SwitchedBanner, csrf: string): Html {
  return html`<div class="switched-role color-${switched.color}" role="region" aria-label="Switched role">
    <p>
      Currently active as <strong class="display-name">${switched.displayName}</strong>: role
      <code>${switched.roleName}</code> in account <code>${switched.account}</code>
    </p>
    <form method="post" action="/console/switch-back">
      ${csrfField(csrf)}
      <button type="submit">Switch back</button>
    </form>
  </div>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="csrf" value="${token}" />`;
}

/** A labelled input; `id` doubles as the field name unless `name` is given. */
export function field(options: {
  id: string;
  label: string;
  type?: string;
  name?: string;
  value?: string;
  autocomplete?: string;
  required?: boolean;
  inputmode?: string;
  pattern?: string;
  /** A datetime-local input's granularity ("1": seconds). */
  step?: string;
  hint?: string;
  autofocus?: boolean;
  /** The id of more text describing the input, beside its hint (such as rules listed next to it). */
  describedBy?: string;
  /** Why the value last posted was refused, shown under the input (empty: nothing refused). */
  problem?: Html | '';
}): Html {
  const hintId = options.hint ? `${options.id}-hint` : undefined;
  const problemId = options.problem ? `${options.id}-error` : undefined;
  const describedBy = [hintId, options.describedBy, problemId].filter((id) => id !== undefined).join(' ');
  return html`<div class="field">
    <label for="${options.id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${hintId}">${options.hint}</p>` : ''}
    <input
      id="${options.id}"
      name="${options.name ?? options.id}"
      type="${options.type ?? 'text'}"
      ${options.value !== undefined ? html`value="${options.value}"` : ''}
      ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ''}
      ${options.inputmode ? html`inputmode="${options.inputmode}"` : ''}
      ${options.pattern ? html`pattern="${options.pattern}"` : ''}
      ${options.step ? html`step="${options.step}"` : ''}
      ${describedBy ? html`aria-describedby="${describedBy}"` : ''}
      ${problemId ? trustedHtml('aria-invalid="true"') : ''}
      ${options.required === false ? '' : trustedHtml('required')}
      ${options.autofocus ? trustedHtml('autofocus') : ''}
    />
    ${problemId ? html`<div class="field-error" id="${problemId}">${options.problem}</div>` : ''}
  </div>`;
}

/** A message box: errors are announced to screen readers (role=alert), notices politely. */
export function alertBox(kind: 'error' | 'success' | 'info', content: Interpolation): Html {
  const role = kind === 'error' ? 'alert' : 'status';
  return html`<div class="alert ${kind}" role="${role}">${content}</div>`;
}

/** A denied section: AWS's AccessDenied message, in place of what the caller may not see. */
export function deniedBox(message: string): Html {
  return alertBox('error', html`<strong>Access denied.</strong> <span class="aws-message">${message}</span>`);
}

/** A one-button form posting to `action` (actions never happen on GET). */
export function buttonForm(
  action: string,
  csrf: string,
  label: string,
  hidden: Record<string, string> = {},
): Html {
  return html`<form method="post" action="${action}" class="inline">
    ${csrfField(csrf)}
    ${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
    <button type="submit">${label}</button>
  </form>`;
}

/**
 * A destructive action (delete, remove, detach): the button first opens a confirmation that says
 * what will happen, and only its own button (styled as destructive) posts. No script needed.
 */
export function dangerForm(
  action: string,
  csrf: string,
  label: string,
  hidden: Record<string, string>,
  consequence: string,
): Html {
  return html`<details class="confirm">
    <summary>${label}</summary>
    <form method="post" action="${action}" class="inline">
      ${csrfField(csrf)}
      ${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
      <p>${consequence}</p>
      <button type="submit" class="danger">Yes, ${label.charAt(0).toLowerCase()}${label.slice(1)}</button>
    </form>
  </details>`;
}

export function table(caption: string, headers: readonly string[], rows: readonly Interpolation[][]): Html {
  if (rows.length === 0) return html`<p>${caption}: none.</p>`;
  return html`<table>
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${headers.map((h) => html`<th scope="col">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr>
            ${row.map((cell) => html`<td>${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}
