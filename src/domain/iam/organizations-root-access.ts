// Centralized root access for member accounts (IAM User Guide, "Centrally manage root access for
// member accounts"): the management account turns on RootCredentialsManagement and RootSessions
// (EnableOrganizationsRootCredentialsManagement, EnableOrganizationsRootSessions, the Disable pair,
// ListOrganizationsFeatures). With RootSessions on, STS's AssumeRoot gives the management account a
// short root session in a member account, scoped by a root-task policy (sts/root-sessions.ts).
//
// Each call needs an organization with all features, called from its management account, with
// trusted access for iam.amazonaws.com (EnableAWSServiceAccess); the errors are the IAM API
// reference's for these operations. The features live on the organization's record.
import type { Operation, OperationContext } from '../operation.ts';
import { check, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { OrganizationRecord, RootAccessFeature } from '../records.ts';
import { organizationAccounts, organizations } from '../tables.ts';
import { IAM_SERVICE_PRINCIPAL, hasTrustedAccess } from '../organizations/service-access.ts';

const FEATURES: readonly RootAccessFeature[] = ['RootCredentialsManagement', 'RootSessions'];

export function rootAccessFeaturesOf(org: OrganizationRecord): readonly RootAccessFeature[] {
  return org.rootAccessFeatures ?? [];
}

/**
 * The caller's organization, when the caller may manage its root access: Enable* name the caller
 * "not the management account"; Disable* and List* "not the management or delegated administrator
 * account" (their documented errors).
 */
async function managedForRootAccess(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  notManagement:
    'CallerIsNotManagementAccountException' | 'AccountNotManagementOrDelegatedAdministratorException',
): Promise<OrganizationRecord> {
  await check(ctx, tx, `iam:${action}`, '*');
  const membership = await tx.get(organizationAccounts, ctx.caller.account);
  const org = membership && (await tx.get(organizations, membership.organization));
  if (!org)
    throw new IamError(
      'OrganizationNotFoundException',
      'The request was rejected because no organization is associated with your account.',
    );
  if (org.featureSet !== 'ALL')
    throw new IamError(
      'OrganizationNotInAllFeaturesModeException',
      'The request was rejected because your organization does not have All features enabled.',
    );
  if (org.account !== ctx.caller.account)
    throw new IamError(
      notManagement,
      notManagement === 'CallerIsNotManagementAccountException'
        ? 'The request was rejected because the account making the request is not the management account for the organization.'
        : 'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.',
    );
  if (!hasTrustedAccess(org, IAM_SERVICE_PRINCIPAL))
    throw new IamError(
      'ServiceAccessNotEnabledException',
      'The request was rejected because trusted access is not enabled for IAM in Organizations.',
    );
  return org;
}

function featuresOutput(org: OrganizationRecord): Record<string, unknown> {
  return { OrganizationId: org.id, EnabledFeatures: [...rootAccessFeaturesOf(org)] };
}

/** Turns one feature on or off; the answer lists the features enabled afterwards. */
function setFeature(action: string, feature: RootAccessFeature, on: boolean): Operation {
  return (ctx) =>
    writeTx(ctx, async (tx) => {
      const org = await managedForRootAccess(
        ctx,
        tx,
        action,
        on
          ? 'CallerIsNotManagementAccountException'
          : 'AccountNotManagementOrDelegatedAdministratorException',
      );
      const current = rootAccessFeaturesOf(org);
      const wanted = FEATURES.filter((f) => (f === feature ? on : current.includes(f)));
      if (wanted.length === current.length && wanted.every((f) => current.includes(f)))
        return featuresOutput(org);
      const next: OrganizationRecord = { ...org, rootAccessFeatures: wanted };
      await tx.update(organizations, next);
      return featuresOutput(next);
    });
}

export const organizationsRootAccessOperations: Readonly<Record<string, Operation>> = {
  EnableOrganizationsRootCredentialsManagement: setFeature(
    'EnableOrganizationsRootCredentialsManagement',
    'RootCredentialsManagement',
    true,
  ),
  DisableOrganizationsRootCredentialsManagement: setFeature(
    'DisableOrganizationsRootCredentialsManagement',
    'RootCredentialsManagement',
    false,
  ),
  EnableOrganizationsRootSessions: setFeature('EnableOrganizationsRootSessions', 'RootSessions', true),
  DisableOrganizationsRootSessions: setFeature('DisableOrganizationsRootSessions', 'RootSessions', false),

  async ListOrganizationsFeatures(ctx) {
    return ctx.iam.store.read(async (tx) =>
      featuresOutput(
        await managedForRootAccess(
          ctx,
          tx,
          'ListOrganizationsFeatures',
          'AccountNotManagementOrDelegatedAdministratorException',
        ),
      ),
    );
  },
};
