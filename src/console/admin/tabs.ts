// Tabs on an entity's page, as the AWS console has them (a user's Permissions, Groups, Tags,
// Security credentials; a role's Trust relationships; a policy's Versions …): links to the same
// page with ?tab=name, rendered by the server, so they work without JavaScript and with the
// keyboard. The page shows its summary above the tabs and the chosen tab's sections below them.
// Every action posted from a tab redirects back to it (tabUrl), so the person lands where they were.
import { html, trustedHtml, type Html } from '../html.ts';

export interface Tab {
  /** The value of ?tab= (lower-case words joined by -). */
  readonly id: string;
  readonly label: string;
}

/** The tab ?tab= names, when the page has it; else the page's first tab. */
export function chosenTab(tabs: readonly Tab[], requested: string | undefined): string {
  return tabs.find((t) => t.id === requested)?.id ?? tabs[0]!.id;
}

/**
 * The page's address showing `tab`, with a notice after an action. `base` may carry a query of
 * its own (a policy's page is addressed by its ARN).
 */
export function tabUrl(base: string, tab: string, notice?: string): string {
  const join = base.includes('?') ? '&' : '?';
  return `${base}${join}tab=${encodeURIComponent(tab)}${notice ? `&notice=${encodeURIComponent(notice)}` : ''}`;
}

/** The tab list and the chosen tab's panel. */
export function tabbed(options: {
  readonly base: string;
  readonly tabs: readonly Tab[];
  readonly current: string;
  /** What the tabs are of, for the tab list's label: "User alice". */
  readonly label: string;
  readonly panel: Html;
}): Html {
  const { base, tabs, current } = options;
  return html`<nav class="tabs" aria-label="${options.label}">
      <ul role="tablist">
        ${tabs.map(
          (t) =>
            html`<li role="presentation">
              <a
                role="tab"
                id="tab-${t.id}"
                href="${tabUrl(base, t.id)}"
                aria-selected="${t.id === current ? 'true' : 'false'}"
                ${t.id === current ? trustedHtml('aria-controls="tab-panel" aria-current="page"') : ''}
                >${t.label}</a
              >
            </li>`,
        )}
      </ul>
    </nav>
    <div role="tabpanel" id="tab-panel" aria-labelledby="tab-${current}" data-tab="${current}">
      ${options.panel}
    </div>`;
}
