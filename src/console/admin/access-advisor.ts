// The Access Advisor tab of a user, role, group or customer managed policy, as AWS's console has
// it: the services the entity's policies allow, when each was last accessed (or "Not accessed in
// the tracking period"), and — for a group or policy, whose report counts several users and
// roles — which of them. Built on GenerateServiceLastAccessedDetails and
// GetServiceLastAccessedDetails with the console session's caller; the view is a pure function of
// their answers.
import type { ConsoleContext, OperationResult, Signed } from '../context.ts';
import { callIam } from '../context.ts';
import { html, table, type Html } from '../html.ts';
import { section } from './common.ts';
import type { Tab } from './tabs.ts';

export const ACCESS_ADVISOR_TAB = 'access-advisor';
export const ACCESS_ADVISOR: Tab = { id: ACCESS_ADVISOR_TAB, label: 'Access Advisor' };

/** A report holds at most one row per service: a thousand is every service there is. */
const MAX_SERVICES = 1000;

/** Makes the entity's report as the signed-in caller and renders it. */
export async function accessAdvisorPanel(
  ctx: ConsoleContext,
  signed: Signed,
  arn: string,
  showEntity: boolean,
): Promise<Html> {
  const generated = await callIam(signed.caller, ctx, 'GenerateServiceLastAccessedDetails', { Arn: arn });
  const report = generated.ok
    ? await callIam(signed.caller, ctx, 'GetServiceLastAccessedDetails', {
        JobId: generated.output.JobId,
        MaxItems: MAX_SERVICES,
      })
    : generated;
  return accessAdvisorView(report, showEntity);
}

interface ServiceRow {
  readonly ServiceName: string;
  readonly ServiceNamespace: string;
  readonly LastAuthenticated?: string;
  readonly LastAuthenticatedEntity?: string;
  readonly LastAuthenticatedRegion?: string;
}

/** The report as a table: services accessed first, most recent first, then the rest by name. */
export function accessAdvisorView(report: OperationResult, showEntity: boolean): Html {
  return section('Access Advisor', 'access-advisor-heading', report, (out) => {
    const services = [...((out.ServicesLastAccessed ?? []) as ServiceRow[])].sort(
      (a, b) =>
        (b.LastAuthenticated ?? '').localeCompare(a.LastAuthenticated ?? '') ||
        a.ServiceName.localeCompare(b.ServiceName),
    );
    const lastActivity = services[0]?.LastAuthenticated;
    const headers = ['Service', 'Last accessed', 'Region', ...(showEntity ? ['Entity'] : [])];
    return html`<p>
        The services this entity's permissions policies allow, and when each was last accessed. Recent
        activity may take a few seconds to appear.
      </p>
      <dl>
        <dt>Last activity</dt>
        <dd>${lastActivity ?? 'Not accessed in the tracking period'}</dd>
      </dl>
      ${table(
        'Allowed services',
        headers,
        services.map((s) => [
          html`${s.ServiceName} <code>${s.ServiceNamespace}</code>`,
          s.LastAuthenticated ?? 'Not accessed in the tracking period',
          s.LastAuthenticatedRegion ?? '—',
          ...(showEntity
            ? [s.LastAuthenticatedEntity ? html`<code>${s.LastAuthenticatedEntity}</code>` : '—']
            : []),
        ]),
      )}`;
  });
}
