// What `portcullis lint` reports: findings shaped like IAM Access Analyzer's ValidatePolicy
// findings (findingType, issueCode, details, where in the document), so that tooling written for
// Access Analyzer reads them. Issue codes AWS documents in its "Access Analyzer policy check
// reference" keep AWS's code and link; the MFA checks, which Access Analyzer does not have, carry
// Portcullis's own codes.

/** Access Analyzer's finding types (ValidatePolicyFinding.findingType), gravest first. */
export const FINDING_TYPES = ['ERROR', 'SECURITY_WARNING', 'WARNING', 'SUGGESTION'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export interface IssueRule {
  readonly findingType: FindingType;
  readonly title: string;
  /** AWS's reference page for the codes AWS documents; absent for Portcullis's own. */
  readonly learnMoreLink?: string;
}

const REFERENCE =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';

export const ISSUES = {
  MALFORMED_POLICY_DOCUMENT: {
    findingType: 'ERROR',
    title: 'IAM refuses the document (MalformedPolicyDocument)',
    learnMoreLink: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html',
  },
  PASS_ROLE_WITH_STAR_IN_RESOURCE: {
    findingType: 'SECURITY_WARNING',
    title: 'Pass role with star in resource',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource`,
  },
  PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE: {
    findingType: 'SECURITY_WARNING',
    title: 'Pass role with star in action and resource',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-action-and-resource`,
  },
  REDUNDANT_ACTION: {
    findingType: 'SUGGESTION',
    title: 'Redundant action',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-suggestion-redundant-action`,
  },
  REDUNDANT_STATEMENT: {
    findingType: 'SUGGESTION',
    title: 'Redundant statement',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-suggestion-redundant-statement`,
  },
  INVALID_ACTION: {
    findingType: 'ERROR',
    title: 'Invalid action',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-action`,
  },
  INVALID_SERVICE_IN_ACTION: {
    findingType: 'ERROR',
    title: 'Invalid service in action',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-service-in-action`,
  },
  INVALID_SERVICE: {
    findingType: 'ERROR',
    title: 'Invalid service',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-service`,
  },
  UNSUPPORTED_GLOBAL_CONDITION_KEY: {
    findingType: 'ERROR',
    title: 'Unsupported global condition key',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-unsupported-global-condition-key`,
  },
  INVALID_GLOBAL_CONDITION_KEY: {
    findingType: 'ERROR',
    title: 'Invalid global condition key',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-global-condition-key`,
  },
  INVALID_SERVICE_CONDITION_KEY: {
    findingType: 'ERROR',
    title: 'Invalid service condition key',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-service-condition-key`,
  },
  INVALID_ARN_PREFIX: {
    findingType: 'ERROR',
    title: 'Invalid ARN prefix',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-arn-prefix`,
  },
  MISSING_ARN_FIELD: {
    findingType: 'ERROR',
    title: 'Missing ARN field',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-missing-arn-field`,
  },
  INVALID_ARN_SERVICE_CASE: {
    findingType: 'ERROR',
    title: 'Invalid ARN service case',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-arn-service-case`,
  },
  INVALID_ARN_RESOURCE: {
    findingType: 'ERROR',
    title: 'Invalid ARN resource',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-arn-resource`,
  },
  ARN_REGION_NOT_ALLOWED: {
    findingType: 'ERROR',
    title: 'ARN Region not allowed',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-arn-region-not-allowed`,
  },
  MISSING_ARN_REGION: {
    findingType: 'ERROR',
    title: 'Missing ARN Region',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-missing-arn-region`,
  },
  INVALID_ARN_REGION: {
    findingType: 'ERROR',
    title: 'Invalid ARN Region',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-arn-region`,
  },
  ARN_ACCOUNT_NOT_ALLOWED: {
    findingType: 'ERROR',
    title: 'ARN account not allowed',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-arn-account-not-allowed`,
  },
  INVALID_ARN_ACCOUNT: {
    findingType: 'ERROR',
    title: 'Invalid ARN account',
    learnMoreLink: `${REFERENCE}#access-analyzer-reference-policy-checks-error-invalid-arn-account`,
  },
  ALLOW_WITH_NOT_ACTION: { findingType: 'SECURITY_WARNING', title: 'Allow with NotAction' },
  MFA_BOOL_WITHOUT_IF_EXISTS: {
    findingType: 'SECURITY_WARNING',
    title: 'Bool on aws:MultiFactorAuthPresent where BoolIfExists is meant',
  },
  MFA_LOCKOUT: { findingType: 'ERROR', title: 'Users cannot pass first sign-in and MFA enrolment' },
  MFA_STEP_DENIED: {
    findingType: 'WARNING',
    title: 'A first sign-in or MFA enrolment step users can do without is denied',
  },
  MFA_LOCKOUT_NOT_ALLOWED: {
    findingType: 'WARNING',
    title: 'A first sign-in or MFA enrolment step is not allowed by these policies',
  },
  MFA_BYPASS: { findingType: 'SECURITY_WARNING', title: 'Escalation possible without MFA' },
} as const satisfies Record<string, IssueRule>;

export type IssueCode = keyof typeof ISSUES;

/** The rule of an issue code, read through the one shape every rule has. */
export function rule(code: IssueCode): IssueRule {
  return ISSUES[code];
}

export interface Location {
  /** 1-based, as Access Analyzer's span; the statement's start when the finding is about a statement. */
  readonly line: number;
  readonly column: number;
}

export interface Finding {
  /** The policy file the finding is about. */
  readonly file: string;
  readonly findingType: FindingType;
  readonly issueCode: IssueCode;
  readonly details: string;
  /** Zero-based, as Access Analyzer's path index; absent for findings about the whole document. */
  readonly statementIndex?: number;
  readonly sid?: string;
  readonly location: Location;
  /** Where in the statement, as Access Analyzer's path below it: element names and list indexes. */
  readonly path?: readonly (string | number)[];
  /** The MFA checks' path, step by step. */
  readonly steps?: readonly string[];
}

export function atOrAbove(type: FindingType, threshold: FindingType): boolean {
  return FINDING_TYPES.indexOf(type) <= FINDING_TYPES.indexOf(threshold);
}
