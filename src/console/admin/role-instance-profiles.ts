// A role's instance profiles on the role's page, as the AWS console handles them (IAM User Guide,
// "Use an IAM role to grant permissions to applications running on Amazon EC2 instances" and "Use
// instance profiles"): the console creates an instance profile of the role's name when it creates a
// role for Amazon EC2, and deletes that profile with the role; the page lists the profiles holding
// the role, adds it to one (created when it does not exist) and removes it. Each step is the IAM
// operation of that name, authorized as the signed-in caller.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import { tabUrl } from './tabs.ts';
import {
  ADMIN,
  type Messages,
  action,
  check,
  path,
  plausibleName,
  postForm,
  section,
  statusOf,
} from './common.ts';

/** The tab of a role's page that holds its instance profiles. */
export const INSTANCE_PROFILES_TAB = 'instance-profiles';
const BASE = `${ADMIN}/roles`;

export const INSTANCE_PROFILE_NOTICES: Readonly<Record<string, string>> = {
  'profile-added': 'The role was added to the instance profile.',
  'profile-removed': 'The role was removed from the instance profile.',
};

type Render = (
  signed: Signed,
  reply: FastifyReply,
  name: string,
  status: number,
  messages: Messages,
) => Promise<FastifyReply>;

export function registerInstanceProfileActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  render: Render,
): void {
  const profileAction = (
    suffix: string,
    run: (signed: Signed, role: string, profile: string) => Promise<IamError | undefined>,
    notice: string,
  ) =>
    action<{ name: string }>(
      server,
      ctx,
      `${BASE}/:name/instance-profiles/${suffix}`,
      async (signed, form, { name }, reply) => {
        if (!plausibleName(name, 64)) return reply.code(303).header('location', BASE).send();
        const profile = formText(form, 'instance-profile-name', 256);
        const error = check.instanceProfileName(profile) ?? (await run(signed, name, profile));
        if (error)
          return render(signed, reply, name, statusOf(error), {
            error,
            draft: { 'instance-profile-name': profile },
            tab: INSTANCE_PROFILES_TAB,
          });
        return reply
          .code(303)
          .header('location', tabUrl(path(BASE, name), INSTANCE_PROFILES_TAB, notice))
          .send();
      },
    );

  profileAction(
    'add',
    (signed, role, profile) => addToInstanceProfile(ctx, signed, role, profile),
    'profile-added',
  );
  profileAction(
    'remove',
    async (signed, role, profile) => {
      const removed = await callIam(signed.caller, ctx, 'RemoveRoleFromInstanceProfile', {
        RoleName: role,
        InstanceProfileName: profile,
      });
      return removed.ok ? undefined : removed.error;
    },
    'profile-removed',
  );
}

/** Adds the role to the instance profile of that name, creating the profile (path /) if there is none. */
export async function addToInstanceProfile(
  ctx: ConsoleContext,
  signed: Signed,
  role: string,
  profile: string,
): Promise<IamError | undefined> {
  const call = (op: string, input: Record<string, unknown>) => callIam(signed.caller, ctx, op, input);
  const existing = await call('GetInstanceProfile', { InstanceProfileName: profile });
  if (!existing.ok) {
    if (existing.error.code !== 'NoSuchEntity') return existing.error;
    const created = await call('CreateInstanceProfile', { InstanceProfileName: profile });
    if (!created.ok) return created.error;
  }
  const added = await call('AddRoleToInstanceProfile', { InstanceProfileName: profile, RoleName: role });
  return added.ok ? undefined : added.error;
}

/** Whether a trust policy lets Amazon EC2 assume the role (the console then makes its instance profile). */
export function trustsEc2(document: string): boolean {
  try {
    const parsed = JSON.parse(document) as { Statement?: unknown };
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    return statements.some((s) => {
      const service = (s as { Effect?: unknown; Principal?: { Service?: unknown } } | null)?.Principal
        ?.Service;
      const services = Array.isArray(service) ? service : [service];
      return (s as { Effect?: unknown }).Effect === 'Allow' && services.includes('ec2.amazonaws.com');
    });
  } catch {
    return false;
  }
}

/**
 * Before DeleteRole, as the console does: the role leaves every instance profile, and the profile
 * of its own name (the one the console made with it) is deleted once it holds no role.
 */
export async function removeFromInstanceProfiles(
  ctx: ConsoleContext,
  signed: Signed,
  role: string,
): Promise<IamError | undefined> {
  const call = (op: string, input: Record<string, unknown>) => callIam(signed.caller, ctx, op, input);
  const listed = await call('ListInstanceProfilesForRole', { RoleName: role, MaxItems: 1000 });
  if (!listed.ok) return listed.error;
  for (const profile of (listed.output.InstanceProfiles ?? []) as {
    InstanceProfileName: string;
    Roles?: unknown[];
  }[]) {
    const removed = await call('RemoveRoleFromInstanceProfile', {
      RoleName: role,
      InstanceProfileName: profile.InstanceProfileName,
    });
    if (!removed.ok) return removed.error;
    if (profile.InstanceProfileName === role && (profile.Roles?.length ?? 1) <= 1) {
      const deleted = await call('DeleteInstanceProfile', { InstanceProfileName: role });
      if (!deleted.ok && deleted.error.code !== 'NoSuchEntity') return deleted.error;
    }
  }
  return undefined;
}

/** The role page's section: the instance profiles holding the role, and adding it to one. */
export async function instanceProfileSection(
  ctx: ConsoleContext,
  signed: Signed,
  role: string,
  messages: Messages,
): Promise<Html> {
  const csrf = signed.record.csrf;
  const base = path(BASE, role);
  const listed = await callIam(signed.caller, ctx, 'ListInstanceProfilesForRole', {
    RoleName: role,
    MaxItems: 1000,
  });
  return section(
    'Instance profiles',
    'instance-profiles-heading',
    listed,
    (out) =>
      table(
        'Instance profiles holding this role',
        ['Instance profile', 'ARN', 'Actions'],
        ((out.InstanceProfiles ?? []) as Record<string, string>[]).map((p) => [
          p.InstanceProfileName,
          html`<code>${p.Arn}</code>`,
          dangerForm(
            `${base}/instance-profiles/remove`,
            csrf,
            `Remove from ${p.InstanceProfileName ?? ''}`,
            { 'instance-profile-name': p.InstanceProfileName ?? '' },
            'Amazon EC2 instances launched with this instance profile lose the role’s permissions.',
          ),
        ]),
      ),
    postForm(
      `${base}/instance-profiles/add`,
      csrf,
      html`${field({
          id: 'instance-profile-name',
          name: 'instance-profile-name',
          label: 'Instance profile name (created if it does not exist)',
          value: messages.draft?.['instance-profile-name'] ?? role,
        })} <button type="submit">Add to instance profile</button>`,
      { label: 'Add to instance profile' },
    ),
  );
}
