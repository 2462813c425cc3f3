// The account's orphaned MFA devices (domain/portcullis/orphaned-mfa-devices.ts), under the MFA
// options on the Account settings page: the virtual devices nobody enabled, their age and, when
// the janitor is on, when each is deleted.
import { type ConsoleContext, type Signed, callPortcullis } from '../context.ts';
import { html, table, type Html } from '../html.ts';
import { section } from './common.ts';

/** More than a page would show; the rest are counted, not listed. */
const SHOWN = 200;

export async function orphanedDevicesSection(ctx: ConsoleContext, signed: Signed): Promise<Html> {
  const listed = await callPortcullis(signed.caller, ctx, 'ListOrphanedMFADevices', { MaxItems: SHOWN });
  return section('Orphaned MFA devices', 'orphaned-mfa-heading', listed, (out) => {
    const devices = (out.OrphanedMFADevices ?? []) as Record<string, unknown>[];
    const hours = out.OrphanedDeviceHours as number | undefined;
    return html`<p>
        Virtual MFA devices created but never enabled (an abandoned enrolment), or deactivated.
        ${
          hours === undefined
            ? 'They are kept: set the hours above to have them deleted.'
            : `Each is deleted ${hours} hour${hours === 1 ? '' : 's'} after it was created, so that the user can enrol again under the same name.`
        }
      </p>
      ${table(
        'Unassigned virtual MFA devices',
        ['Serial number', 'Created', 'Age', 'Deleted'],
        devices.map((d) => [
          html`<code>${String(d.SerialNumber)}</code>`,
          String(d.CreateDate),
          `${String(d.AgeHours)} h`,
          d.ExpiresAt === undefined ? 'Never' : `At the first sweep after ${String(d.ExpiresAt)}`,
        ]),
      )}
      ${out.IsTruncated ? html`<p>The first ${SHOWN} are shown.</p>` : ''}`;
  });
}
