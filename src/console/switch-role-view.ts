// The Switch role page: the form AWS's console shows (account, role name, display name, colour),
// its refusal in AWS's words, and the role history as one-click switches.
import { SWITCH_COLORS } from '../domain/console-sessions.ts';
import { alertBox, csrfField, field, html, trustedHtml, type Html } from './html.ts';
import type { RecentRole } from './recent-roles.ts';

/** What AWS's console says for any refused switch (the reason is not its business to tell). */
export const SWITCH_REFUSED =
  'Invalid information in one or more fields. Check your information or contact your administrator.';

export interface SwitchRoleView {
  readonly csrf: string;
  /** The form as last typed, or as the page's URL pre-filled it. */
  readonly draft: Readonly<Record<string, string>>;
  /** Why the last switch was refused: AWS's sentence, with the service's reason beside it. */
  readonly refused?: { readonly reason: string } | undefined;
  readonly recent: readonly RecentRole[];
  /** The root user cannot switch roles (AWS: "You cannot switch roles if you sign in as the root user"). */
  readonly root: boolean;
}

const COLOR_LABELS: Readonly<Record<(typeof SWITCH_COLORS)[number], string>> = {
  none: 'None',
  red: 'Red',
  orange: 'Orange',
  yellow: 'Yellow',
  green: 'Green',
  blue: 'Blue',
};

export function switchRoleBody(view: SwitchRoleView): Html {
  if (view.root) {
    return alertBox(
      'info',
      'You cannot switch roles while signed in as the root user. Sign in as an IAM user or a role to switch roles.',
    );
  }
  const draft = view.draft;
  const selected = draft.color && draft.color in COLOR_LABELS ? draft.color : 'none';
  const refusal = view.refused
    ? alertBox(
        'error',
        html`<p><strong>${SWITCH_REFUSED}</strong></p>
          <details class="aws-text">
            <summary>Why</summary>
            <span class="aws-message">${view.refused.reason}</span>
          </details>`,
      )
    : '';
  const form = html`<form method="post" action="/console/switch-role" class="card" aria-label="Switch role">
    ${csrfField(view.csrf)}
    ${field({ id: 'account', label: 'Account ID or alias', value: draft.account ?? '', hint: 'The 12-digit account ID or the account alias of the account that has the role.', autocomplete: 'off' })}
    ${field({ id: 'role-name', label: 'IAM role name', value: draft['role-name'] ?? '', hint: 'With its path if it has one, for example path/RoleName.', autocomplete: 'off' })}
    ${field({ id: 'display-name', label: 'Display name', value: draft['display-name'] ?? '', required: false, hint: 'Shown in the banner while you use the role (up to 64 characters). Empty: RoleName @ Account.', autocomplete: 'off' })}
    <fieldset class="colors">
      <legend>Display color</legend>
      ${SWITCH_COLORS.map(
        (color) =>
          html`<label
            ><input
              type="radio"
              name="color"
              value="${color}"
              ${color === selected ? trustedHtml('checked') : ''}
            />
            <span class="swatch color-${color}" aria-hidden="true"></span> ${COLOR_LABELS[color]}</label
          >`,
      )}
    </fieldset>
    <button type="submit">Switch role</button>
  </form>`;
  const history =
    view.recent.length === 0
      ? ''
      : html`<section aria-labelledby="role-history-heading">
          <h2 id="role-history-heading">Role history</h2>
          <ul class="overview">
            ${view.recent.map(
              (r) =>
                html`<li>
                  <form method="post" action="/console/switch-role" class="inline">
                    ${csrfField(view.csrf)}
                    <input type="hidden" name="account" value="${r.account}" />
                    <input type="hidden" name="role-name" value="${r.roleName}" />
                    <input type="hidden" name="display-name" value="${r.displayName}" />
                    <input type="hidden" name="color" value="${r.color}" />
                    <button type="submit">
                      <span class="swatch color-${r.color}" aria-hidden="true"></span> ${r.displayName}
                    </button>
                  </form>
                  role <code>${r.roleName}</code> in account <code>${r.account}</code>
                </li>`,
            )}
          </ul>
        </section>`;
  return html`<p>
      Switch to a role to use the console with that role's permissions, in this account or another one. You
      can switch back to your own identity at any time.
    </p>
    ${refusal} ${form} ${history}`;
}
