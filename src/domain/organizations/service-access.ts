// Trusted access (AWS Organizations API reference: EnableAWSServiceAccess, DisableAWSServiceAccess,
// ListAWSServiceAccessForOrganization): the management account lets an AWS service act across its
// organization. Portcullis's own service that needs it is IAM's centralized root access for member
// accounts, which requires trusted access for iam.amazonaws.com ("IAM and AWS Organizations",
// Organizations User Guide). The principals are kept on the organization's record.
import type { Operation } from '../operation.ts';
import { isoNow, requiredStr, writeTx } from '../operation.ts';
import type { OrganizationRecord, TrustedService } from '../records.ts';
import { organizations } from '../tables.ts';
import { authorizedOrganization, requirePattern } from './organization.ts';

/** The model's ServicePrincipal pattern, with a length AWS's principals have (service.amazonaws.com). */
const SERVICE_PRINCIPAL = /^[\w+=,.@-]{1,128}$/;

export function trustedServicesOf(org: OrganizationRecord): readonly TrustedService[] {
  return org.trustedServices ?? [];
}

export function hasTrustedAccess(org: OrganizationRecord, principal: string): boolean {
  return trustedServicesOf(org).some((s) => s.principal === principal);
}

export const serviceAccessOperations: Readonly<Record<string, Operation>> = {
  async EnableAWSServiceAccess(ctx, input) {
    const principal = requirePattern(requiredStr(input, 'ServicePrincipal'), SERVICE_PRINCIPAL);
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'EnableAWSServiceAccess', () => ['*']);
      // Enabling it again changes nothing, as on AWS.
      if (hasTrustedAccess(org, principal)) return undefined;
      const trustedServices = [...trustedServicesOf(org), { principal, enabledAt: isoNow(ctx) }];
      await tx.update(organizations, { ...org, trustedServices });
      return undefined;
    });
  },

  async DisableAWSServiceAccess(ctx, input) {
    const principal = requirePattern(requiredStr(input, 'ServicePrincipal'), SERVICE_PRINCIPAL);
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'DisableAWSServiceAccess', () => ['*']);
      const trustedServices = trustedServicesOf(org).filter((s) => s.principal !== principal);
      // Without trusted access, IAM's root access features for the members stop as well.
      const next: OrganizationRecord =
        principal === IAM_SERVICE_PRINCIPAL
          ? { ...org, trustedServices, rootAccessFeatures: [] }
          : { ...org, trustedServices };
      await tx.update(organizations, next);
      return undefined;
    });
  },

  async ListAWSServiceAccessForOrganization(ctx) {
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'ListAWSServiceAccessForOrganization', () => ['*']);
      return {
        EnabledServicePrincipals: trustedServicesOf(org).map((s) => ({
          ServicePrincipal: s.principal,
          DateEnabled: s.enabledAt,
        })),
      };
    });
  },
};

export const IAM_SERVICE_PRINCIPAL = 'iam.amazonaws.com';
