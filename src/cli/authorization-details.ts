// GetAccountAuthorizationDetails read in full from a live endpoint: every page's lists joined into
// one answer of the shape `aws iam get-account-authorization-details` writes, so the commands that
// read it (audit, explain) treat a live account and an exported file alike.
import type * as IamSdk from '@aws-sdk/client-iam';

const LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

export async function fetchAuthorizationDetails(
  iamSdk: typeof IamSdk,
  iam: IamSdk.IAMClient,
  onPage: (page: number) => void = () => {},
): Promise<Record<(typeof LISTS)[number], unknown[]>> {
  const details = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] } as Record<
    (typeof LISTS)[number],
    unknown[]
  >;
  let pages = 0;
  for await (const page of iamSdk.paginateGetAccountAuthorizationDetails({ client: iam }, {})) {
    for (const list of LISTS)
      details[list].push(...((page as unknown as Record<string, unknown[]>)[list] ?? []));
    onPage(++pages);
  }
  return details;
}
