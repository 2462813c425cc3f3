// Every IAM operation Portcullis serves, by its AWS name. Each family lives in its own file.
import type { Operation } from '../operation.ts';
import { userOperations } from './users.ts';
import { groupsOperations } from './groups.ts';
import { inlinePoliciesOperations } from './inline-policies.ts';
import { managedPoliciesOperations } from './managed-policies.ts';
import { rolesOperations } from './roles.ts';
import { instanceProfilesOperations } from './instance-profiles.ts';
import { accessKeysOperations } from './access-keys.ts';
import { loginProfilesOperations } from './login-profiles.ts';
import { accountOperations } from './account.ts';
import { userCredentialsOperations } from './user-credentials.ts';
import { mfaDevicesOperations } from './mfa-devices.ts';
import { credentialReportOperations } from './credential-report.ts';
import { simulatorOperations } from './simulator.ts';
import { oidcProvidersOperations } from './oidc-providers.ts';
import { samlProvidersOperations } from './saml-providers.ts';
import { serverCertificatesOperations } from './server-certificates.ts';
import { organizationsRootAccessOperations } from './organizations-root-access.ts';
import { serviceLastAccessedOperations } from './service-last-accessed.ts';

export const iamOperations: Readonly<Record<string, Operation>> = {
  ...userOperations,
  ...groupsOperations,
  ...inlinePoliciesOperations,
  ...managedPoliciesOperations,
  ...rolesOperations,
  ...instanceProfilesOperations,
  ...accessKeysOperations,
  ...loginProfilesOperations,
  ...accountOperations,
  ...userCredentialsOperations,
  ...mfaDevicesOperations,
  ...credentialReportOperations,
  ...simulatorOperations,
  ...oidcProvidersOperations,
  ...samlProvidersOperations,
  ...serverCertificatesOperations,
  ...organizationsRootAccessOperations,
  ...serviceLastAccessedOperations,
};
