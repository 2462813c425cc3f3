// IAM Access Analyzer's ValidatePolicy: a policy document checked by `portcullis lint`'s checks
// and answered as Access Analyzer's findings. Only the checks AWS itself has (those with AWS's own
// issue code and learnMoreLink) are answered; Portcullis's own lint codes stay in `portcullis lint`.
import { checkStatements } from '../../lint/checks.ts';
import { rule } from '../../lint/findings.ts';
import { readPolicyFile, type PolicyType } from '../../lint/policy-file.ts';
import { checkServices, servicesNamed, type ServiceCatalog } from '../../lint/services.ts';
import {
  jsonSyntaxErrorOffset,
  lineStarts,
  policySize,
  positionAtOffset,
  statementPositions,
} from '../../policy/index.ts';
import { authorize } from '../authorize.ts';
import { IamError } from '../errors.ts';
import { loadServiceCatalog } from './service-catalog.ts';
import type { Input, Operation, OperationContext, Output } from '../operation.ts';

/** Access Analyzer's Position: line from 1, column and offset from 0 (API Reference, "Position"). */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface ValidatePolicyFinding {
  readonly findingDetails: string;
  readonly findingType: string;
  readonly issueCode: string;
  readonly learnMoreLink: string;
  readonly locations: readonly {
    readonly path: readonly ({ readonly value: string } | { readonly index: number })[];
    readonly span: { readonly start: Position; readonly end: Position };
  }[];
}

const REFERENCE =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';
const JSON_SYNTAX_ERROR_LINK = `${REFERENCE}#access-analyzer-reference-policy-checks-error-json-syntax-error`;

/** The policy types this server validates; RESOURCE_CONTROL_POLICY is not one yet. */
const SUPPORTED_TYPES: ReadonlySet<string> = new Set<PolicyType>([
  'IDENTITY_POLICY',
  'RESOURCE_POLICY',
  'SERVICE_CONTROL_POLICY',
]);

/**
 * The largest document checked: IAM's largest policies (KMS key policies) are 32 KB, counted as IAM
 * counts, without white space; the text itself is bounded too. The redundancy checks compare
 * statements with each other, and this bound keeps one request's checks well within a turn of the
 * event loop.
 */
export const MAX_POLICY_SIZE = 32_768;
export const MAX_DOCUMENT_LENGTH = 131_072;

export const validatePolicy: Operation = async (ctx: OperationContext, input: Input): Promise<Output> => {
  await ctx.iam.store.read((tx) =>
    authorize(ctx.iam, tx, ctx.caller, { action: 'access-analyzer:ValidatePolicy', resource: '*' }),
  );
  const text = String(input.policyDocument);
  // The reference files of the services the document names, read before the checks run; an
  // oversized document is refused by validatePolicyDocument without reading any.
  const catalog = await loadServiceCatalog(text.length <= MAX_DOCUMENT_LENGTH ? servicesNamed(text) : []);
  const findings = validatePolicyDocument(
    text,
    String(input.policyType),
    typeof input.validatePolicyResourceType === 'string' ? input.validatePolicyResourceType : undefined,
    catalog,
  );
  return page(findings, input.maxResults, input.nextToken);
};

/** The findings for one document, in the order the checks report them. */
export function validatePolicyDocument(
  text: string,
  policyType: string,
  resourceType?: string,
  /** AWS's Service Authorization Reference for the services the document names (servicesNamed). */
  catalog?: ServiceCatalog,
): ValidatePolicyFinding[] {
  if (!SUPPORTED_TYPES.has(policyType))
    throw validation(`Policy type ${policyType} is not supported.`, 'notSupported');
  if (text.length > MAX_DOCUMENT_LENGTH || policySize(text) > MAX_POLICY_SIZE)
    throw validation(
      `The policy document is larger than ${MAX_POLICY_SIZE} characters (white space not counted) or ${MAX_DOCUMENT_LENGTH} in all.`,
      'fieldValidationFailed',
    );
  const lines = lineStarts(text);
  const syntax = syntaxError(text, lines);
  if (syntax) return [syntax];
  // A role's trust policy is the resource policy AWS::IAM::AssumeRolePolicyDocument names.
  const kind =
    policyType === 'RESOURCE_POLICY' && resourceType === 'AWS::IAM::AssumeRolePolicyDocument'
      ? 'trust'
      : undefined;
  const read = readPolicyFile('policy', text, policyType as PolicyType, kind);
  // What IAM refuses beyond JSON syntax has no AWS issue code mapped here yet (see the README).
  if (!read.ok) return [];
  const ends = statementPositions(text).map((p) => p.end);
  const services = catalog ? checkServices(read.file, catalog) : [];
  return [...services, ...checkStatements(read.file)].flatMap((finding) => {
    // MALFORMED_POLICY_DOCUMENT links to the grammar but is Portcullis's code, not AWS's.
    const learnMoreLink = rule(finding.issueCode).learnMoreLink;
    if (!learnMoreLink || finding.issueCode === 'MALFORMED_POLICY_DOCUMENT') return [];
    const index = finding.statementIndex;
    const end = index === undefined ? undefined : ends[index];
    return [
      {
        findingDetails: finding.details,
        findingType: finding.findingType,
        issueCode: finding.issueCode,
        learnMoreLink,
        locations:
          index === undefined || !end
            ? []
            : [
                {
                  path: [
                    { value: 'Statement' },
                    { index },
                    ...(finding.path ?? []).map((step) =>
                      typeof step === 'number' ? { index: step } : { value: step },
                    ),
                  ],
                  span: { start: position(lines, finding.location), end: position(lines, end) },
                },
              ],
      },
    ];
  });
}

/**
 * Access Analyzer's JSON_SYNTAX_ERROR for text that is not JSON, at the character the parser
 * stopped at (IAM User Guide, "IAM policy validation check reference").
 */
function syntaxError(text: string, lines: readonly number[]): ValidatePolicyFinding | undefined {
  const offset = jsonSyntaxErrorOffset(text);
  if (offset === undefined) return undefined;
  const at = positionAtOffset(lines, offset);
  const where: Position = { line: at.line, column: at.column - 1, offset };
  return {
    findingDetails: `Fix the JSON syntax error at character ${where.column} in line ${where.line} with index ${where.offset}.`,
    findingType: 'ERROR',
    issueCode: 'JSON_SYNTAX_ERROR',
    learnMoreLink: JSON_SYNTAX_ERROR_LINK,
    locations: [{ path: [], span: { start: where, end: where } }],
  };
}

/** A 1-based line and column (the engine's) as Access Analyzer's Position. */
function position(lines: readonly number[], at: { line: number; column: number }): Position {
  return { line: at.line, column: at.column - 1, offset: (lines[at.line - 1] ?? 0) + at.column - 1 };
}

/**
 * A page of findings. The whole document comes with every request, so the token only says where
 * the next page starts.
 */
function page(findings: readonly ValidatePolicyFinding[], maxResults: unknown, nextToken: unknown): Output {
  let start = 0;
  if (typeof nextToken === 'string') {
    const match = /^v1:(\d{1,6})$/.exec(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!match || Number(match[1]) > findings.length)
      throw validation('The nextToken is not valid.', 'fieldValidationFailed');
    start = Number(match[1]);
  }
  if (typeof maxResults === 'number' && maxResults < 1)
    throw validation('maxResults must be at least 1.', 'fieldValidationFailed');
  const end =
    typeof maxResults === 'number' ? Math.min(findings.length, start + maxResults) : findings.length;
  return {
    findings: findings.slice(start, end),
    ...(end < findings.length ? { nextToken: Buffer.from(`v1:${end}`).toString('base64url') } : {}),
  };
}

function validation(message: string, reason: string): IamError {
  return new IamError('ValidationException', message, { reason });
}
