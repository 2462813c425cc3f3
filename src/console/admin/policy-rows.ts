// Managed policies as rows of a table, the same on the Policies page and in the policy picker of a
// user's, group's or role's page: name (linking to the policy's page), path, default version,
// attachments, type and creation date.
import { html, table, type Html } from '../html.ts';
import { ADMIN } from './common.ts';

export const AWS_PREFIX = 'arn:aws:iam::aws:policy/';

/** A policy's page: addressed by its ARN in the query, as ARNs carry paths with slashes. */
export const viewUrl = (arn: string, notice?: string): string =>
  `${ADMIN}/policies/view?arn=${encodeURIComponent(arn)}${notice ? `&notice=${notice}` : ''}`;

export function policyTable(
  caption: string,
  rows: readonly Record<string, unknown>[],
  actions?: (policy: Record<string, unknown>) => Html,
): Html {
  return table(
    caption,
    [
      'Policy name',
      'Path',
      'Default version',
      'Attachments',
      'Type',
      'Created',
      ...(actions ? ['Actions'] : []),
    ],
    rows.map((p) => [
      html`<a href="${viewUrl(String(p.Arn))}">${String(p.PolicyName)}</a>`,
      String(p.Path),
      String(p.DefaultVersionId ?? ''),
      String(p.AttachmentCount ?? 0),
      String(p.Arn).startsWith(AWS_PREFIX) ? 'AWS managed' : 'Customer managed',
      String(p.CreateDate ?? ''),
      ...(actions ? [actions(p)] : []),
    ]),
  );
}
