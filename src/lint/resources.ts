// The resource checks of Access Analyzer's ValidatePolicy: each ARN of a statement's Resource and
// NotResource read field by field (arn:partition:service:region:account:resource) and, where AWS's
// Service Authorization Reference knows the ARN's service, compared with the ARN formats of that
// service's resource types. Issue codes and texts are those of AWS's "IAM policy validation check
// reference"; only what the reference's data can decide is reported, so a policy variable or a
// wildcard in a field leaves that field unchecked.
import type { Finding, IssueCode } from './findings.ts';
import { finding, list, type PolicyFile } from './policy-file.ts';

/** An ARN format of a resource type, as the reference writes it: arn:${Partition}:s3:::${BucketName}. */
export type ArnTemplate = string;

export interface ResourceCatalog {
  /**
   * The ARN formats whose service field is this one (lower case), from the services the catalog
   * holds; undefined when it holds none.
   */
  resourceArns(arnService: string): readonly ArnTemplate[] | undefined;
}

interface Problem {
  readonly code: IssueCode;
  readonly details: string;
}

export function checkResources(file: PolicyFile, catalog: ResourceCatalog): Finding[] {
  const findings: Finding[] = [];
  file.statements.forEach((s, index) => {
    for (const element of ['Resource', 'NotResource'] as const)
      list(s[element]).forEach((resource, i) => {
        for (const problem of resourceProblems(resource, catalog))
          findings.push(finding(file, problem.code, problem.details, index, undefined, [element, i]));
      });
  });
  return findings;
}

/** Where a field holds a wildcard or a policy variable, and so stands for text not known here. */
const OPEN = '*';
const VARIABLE = /\$\{[^}]*\}/g;
const FIELDS = 6;
/** Region codes as AWS writes them: us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1. */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

function resourceProblems(resource: string, catalog: ResourceCatalog): Problem[] {
  if (resource === '*') return [];
  // A variable may hold colons (${aws:username}); it is unknown text, as a wildcard is.
  const fields = resource.replace(VARIABLE, OPEN).split(':');
  if (fields[0] !== 'arn')
    return [{ code: 'INVALID_ARN_PREFIX', details: 'Add the required prefix (arn) to the resource ARN.' }];
  if (fields.length < FIELDS)
    return [
      {
        code: 'MISSING_ARN_FIELD',
        details: `Resource ARNs must include at least ${FIELDS} fields in the following structure: arn:partition:service:region:account:resource`,
      },
    ];
  const [, , service, region, account] = fields as [string, string, string, string, string];
  const rest = fields.slice(FIELDS - 1).join(':');
  if (service !== service.toLowerCase())
    return [
      {
        code: 'INVALID_ARN_SERVICE_CASE',
        details: `Update the service name ${service} in the resource ARN to use all lowercase letters.`,
      },
    ];
  if (service.includes(OPEN) || service.includes('?')) return [];
  const templates = parsedTemplates(catalog.resourceArns(service));
  if (!templates || templates.length === 0) return [];
  // IAM's own validation decides which IAM resource paths exist (root and report/ among them, which
  // the reference lists no resource type for); it has refused the others before lint runs.
  const wild = rest.search(/[*?]/);
  const candidates = service === 'iam' ? templates : templates.filter((t) => resourceFits(rest, wild, t));
  if (candidates.length === 0)
    return [
      {
        code: 'INVALID_ARN_RESOURCE',
        details:
          'Resource ARN does not match the expected ARN format. Update the resource portion of the ARN.',
      },
    ];
  return [...regionProblems(service, region, candidates), ...accountProblems(service, account, candidates)];
}

function known(field: string): boolean {
  return !field.includes(OPEN) && !field.includes('?');
}

function regionProblems(service: string, region: string, candidates: readonly Template[]): Problem[] {
  if (candidates.every((t) => t.region === '')) {
    return region !== '' && known(region)
      ? [
          {
            code: 'ARN_REGION_NOT_ALLOWED',
            details: `The service ${service} does not support specifying a Region in the resource ARN.`,
          },
        ]
      : [];
  }
  if (region === '' && candidates.every((t) => t.region !== ''))
    return [{ code: 'MISSING_ARN_REGION', details: `Add a Region to the ${service} resource ARN.` }];
  if (region !== '' && known(region) && !REGION.test(region) && !candidates.some((t) => t.region === region))
    return [
      {
        code: 'INVALID_ARN_REGION',
        details: `The Region ${region} is not valid for this resource. Update the resource ARN to include a supported Region.`,
      },
    ];
  return [];
}

function accountProblems(service: string, account: string, candidates: readonly Template[]): Problem[] {
  if (account === '' || !known(account)) return [];
  if (candidates.every((t) => t.account === ''))
    return [
      {
        code: 'ARN_ACCOUNT_NOT_ALLOWED',
        details: `The service ${service} does not support specifying an account ID in the resource ARN.`,
      },
    ];
  // What AWS owns sits in the account "aws" (arn:aws:iam::aws:policy/…, SageMaker's public hub); a
  // few formats name another fixed account.
  if (
    !/^\d{12}$/.test(account) &&
    account !== 'aws' &&
    !candidates.some((t) => t.account === account || t.account === OPEN)
  )
    return [
      {
        code: 'INVALID_ARN_ACCOUNT',
        details: `The resource ARN account ID ${account} is not valid. Provide a 12-digit account ID.`,
      },
    ];
  return [];
}

interface Template {
  /** The region and account fields: "" when the format has none, a placeholder as `${}`. */
  readonly region: string;
  readonly account: string;
  /** The resource part: its literal pieces, a placeholder (any non-empty text) between each two. */
  readonly pieces: readonly string[];
}

const PLACEHOLDER = /\$\{[^}]*\}/;
/** A service's formats parsed once, however many of a document's ARNs name it. */
const parsedLists = new WeakMap<readonly ArnTemplate[], readonly Template[]>();
function parsedTemplates(arns: readonly ArnTemplate[] | undefined): readonly Template[] | undefined {
  if (!arns) return undefined;
  let list = parsedLists.get(arns);
  if (!list) {
    list = arns.map(parseTemplate);
    parsedLists.set(arns, list);
  }
  return list;
}
const parsed = new Map<ArnTemplate, Template>();
function parseTemplate(arn: ArnTemplate): Template {
  let template = parsed.get(arn);
  if (!template) {
    const fields = arn.split(':');
    const field = (i: number) => (PLACEHOLDER.test(fields[i] ?? '') ? '${}' : (fields[i] ?? ''));
    template = {
      region: field(3),
      account: field(4),
      pieces: fields
        .slice(FIELDS - 1)
        .join(':')
        .split(PLACEHOLDER),
    };
    parsed.set(arn, template);
  }
  return template;
}

/**
 * Whether a policy's resource part (its first wildcard at `wild`, or -1) can name a resource of this format. Without wildcards: the
 * literal pieces in order, each placeholder standing for at least one character (found leftmost,
 * which is exact for placeholders that match any text). With one: only the literal text before
 * it is compared, which can only say too little, never too much.
 */
function resourceFits(resource: string, wild: number, template: Template): boolean {
  const { pieces } = template;
  const first = pieces[0]!;
  if (wild >= 0) {
    const head = resource.slice(0, wild);
    if (pieces.length === 1) return first.startsWith(head);
    return first.startsWith(head) || head.startsWith(first);
  }
  if (pieces.length === 1) return resource === first;
  if (!resource.startsWith(first)) return false;
  let at = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const found = resource.indexOf(pieces[i]!, at + 1);
    if (found < 0) return false;
    at = found + pieces[i]!.length;
  }
  const last = pieces[pieces.length - 1]!;
  return resource.length - last.length >= at + 1 && resource.endsWith(last);
}
