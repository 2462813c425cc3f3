// The AWS services' service-linked roles: for each service principal CreateServiceLinkedRole
// accepts, the role name, path and AWS managed policy AWS gives its role, and whether a
// CustomSuffix is taken. Built by scripts/build-service-linked-roles.mjs (from AWS's managed policy
// documents and the hand-kept rows in scripts/service-linked-roles.json) into the JSON file beside
// this one; read on the first lookup (a few kilobytes).
import { readFileSync } from 'node:fs';
import type { ServiceLinkedRoleCatalog, ServiceLinkedRoleSpec } from '../domain/iam.ts';

const DEFAULT_FILE = new URL('./service-linked-roles.json', import.meta.url);

/** One row of the file: [service principal, role name, policy name, custom suffix allowed]. */
type Row = [string, string, string, boolean];

interface CatalogFile {
  readonly source: string;
  readonly roles: readonly Row[];
}

interface Loaded {
  readonly byService: ReadonlyMap<string, ServiceLinkedRoleSpec>;
  readonly sorted: readonly ServiceLinkedRoleSpec[];
}

export function loadServiceLinkedRoleCatalog(file: URL | string = DEFAULT_FILE): ServiceLinkedRoleCatalog {
  let loaded: Loaded | undefined;
  const load = (): Loaded => (loaded ??= readCatalog(file));
  return {
    get: (service) => load().byService.get(service),
    list: () => load().sorted,
  };
}

function readCatalog(file: URL | string): Loaded {
  const { roles } = JSON.parse(readFileSync(file, 'utf8')) as CatalogFile;
  const sorted = roles.map(([service, roleName, policy, customSuffixAllowed]): ServiceLinkedRoleSpec =>
    Object.freeze({
      service,
      roleName,
      path: `/aws-service-role/${service}/`,
      policyArn: `arn:aws:iam::aws:policy/aws-service-role/${policy}`,
      customSuffixAllowed,
    }),
  );
  return {
    byService: new Map(sorted.map((spec) => [spec.service, spec])),
    sorted: Object.freeze(sorted),
  };
}
