// Policy text → a document IAM would accept, or the first fault with AWS's own message.
//
// The checks and their order follow what AWS answers, as recorded against real IAM:
//   - LocalStack's AWS-validated snapshot tests (tests/aws/services/iam/test_iam_policies.py and its
//     .snapshot.json: 78 invalid and 51 valid documents sent to CreatePolicy, recorded 2026-02;
//     test_iam_roles.py / test_iam.py for trust policies);
//   - moto's IAMPolicyDocumentValidator (moto/iam/policy_validation.py), whose phase order
//     (syntax → version → "legacy parsing" → Sid uniqueness → actions → resources → resource format
//     → action vendors) reproduces those recordings;
//   - error messages quoted from real responses (CloudTrail records, Terraform/CloudFormation logs)
//     where the recordings are silent. The report accompanying this file lists each source.
//
// The function never throws and its work is bounded: text longer than the API's 131,072-character
// limit is refused before parsing, JSON.parse runs inside try/catch (deep nesting may raise
// RangeError), and the checks only ever walk the few levels a policy has, never arbitrary depth.
// Everything returned is a fresh copy built from validated parts, so keys such as "__proto__" in
// condition blocks become ordinary own properties and cannot reach any prototype.

import type {
  ConditionBlockDocument,
  ConditionValueDocument,
  OneOrMany,
  PolicyDocument,
  PolicyVersion,
  PrincipalDocument,
  StatementDocument,
} from './document.ts';
import type { PolicyError, PolicyKind } from './types.ts';
import { hasDuplicateKey } from './duplicate-keys.ts';

export type ValidationResult = { ok: true; document: PolicyDocument } | { ok: false; error: PolicyError };

/** The PolicyDocument parameter's length limit in the IAM and STS APIs (characters). */
export const MAX_POLICY_DOCUMENT_LENGTH = 131_072;

/** AWS's messages, word for word. */
export const POLICY_MESSAGES = {
  syntax: 'Syntax errors in policy.',
  invalidJson: 'This policy contains invalid Json',
  version: 'Policy document must be version 2012-10-17 or greater.',
  legacy: 'The policy failed legacy parsing',
  sidUnique: 'Statement IDs (SID) in a single policy must be unique.',
  sidAlphanumeric:
    'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  actions: 'Policy statement must contain actions.',
  resources: 'Policy statement must contain resources.',
  vendorPrefix: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  resourceVendor: 'Resource vendor must be fully qualified and cannot contain regexes.',
  iamResourcePath:
    'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
  principalNotAllowed: 'Policy document should not specify a principal.',
  trustActions: 'AssumeRole policy may only specify STS AssumeRole actions.',
  noPrincipals:
    'Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!',
  missingPrincipal: 'Missing required field Principal',
  organizations: 'The provided policy document does not meet the requirements of the specified policy type.',
  tooLong: `1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_DOCUMENT_LENGTH}`,
  vendorInvalid: (vendor: string) => `Vendor ${vendor} is not valid`,
  notArn: (resource: string) => `Resource ${resource} must be in ARN format or "*".`,
  partition: (partition: string, shown: string) =>
    `Partition "${partition}" is not valid for resource "${shown}".`,
  iamRegion: (resource: string) => `IAM resource ${resource} cannot contain region information.`,
  s3Region: (resource: string) => `Resource ${resource} can not contain region information.`,
  prohibitedField: (field: string) => `Has prohibited field ${field}`,
  invalidPrincipal: (type: string, value: string) => `Invalid principal in policy: "${type}":"${value}"`,
} as const;

/** AWS partitions accepted in resource and principal ARNs ("*" is accepted in resources only). */
export const KNOWN_PARTITIONS: ReadonlySet<string> = new Set([
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
]);

/** The actions a role trust policy may name (service authorization reference, AssumeRole*). */
export const TRUST_POLICY_ACTIONS: readonly string[] = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
];

/** Every STS action, so that a wildcard in a trust policy can be checked to match only allowed ones. */
const ALL_STS_ACTIONS: readonly string[] = [
  ...TRUST_POLICY_ACTIONS,
  'sts:AssumeRoot',
  'sts:DecodeAuthorizationMessage',
  'sts:GetAccessKeyInfo',
  'sts:GetCallerIdentity',
  'sts:GetDelegatedAccessToken',
  'sts:GetFederationToken',
  'sts:GetServiceBearerToken',
  'sts:GetSessionToken',
  'sts:GetWebIdentityToken',
];

const BASE_OPERATORS: ReadonlySet<string> = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/**
 * True for every IAM condition operator: the String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress,
 * NotIpAddress and Arn* families, each optionally suffixed "IfExists", plus Null (which takes no
 * "IfExists"), each optionally prefixed "ForAllValues:" or "ForAnyValue:". Names are case-sensitive,
 * as in moto's AWS-checked validator ("ForAnyValue::StringEqualsIfExists" is rejected by AWS).
 */
export function isKnownConditionOperator(name: string): boolean {
  let rest = name;
  if (rest.startsWith('ForAnyValue:')) rest = rest.slice('ForAnyValue:'.length);
  else if (rest.startsWith('ForAllValues:')) rest = rest.slice('ForAllValues:'.length);
  if (rest === 'Null') return true;
  if (rest.endsWith('IfExists')) rest = rest.slice(0, -'IfExists'.length);
  return BASE_OPERATORS.has(rest);
}

/** Whether a trust policy may name this action: an allowed STS action, or a wildcard matching only those. */
export function isTrustPolicyAction(action: string): boolean {
  const lower = action.toLowerCase();
  const allowed = TRUST_POLICY_ACTIONS.map((a) => a.toLowerCase());
  if (!lower.includes('*') && !lower.includes('?')) return allowed.includes(lower);
  // A wildcard must match at least one allowed action, and nothing outside STS or outside the list.
  const colon = lower.indexOf(':');
  if (colon < 0 || lower.slice(0, colon) !== 'sts') return false;
  let matchesAllowed = false;
  for (const candidate of ALL_STS_ACTIONS) {
    const c = candidate.toLowerCase();
    if (!globMatches(lower, c)) continue;
    if (!allowed.includes(c)) return false;
    matchesAllowed = true;
  }
  return matchesAllowed;
}

/** `*` (any run) and `?` (one character) against the whole of `text`; iterative, linear-ish. */
function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

// ---------------------------------------------------------------------------------------------
// Entry point

export function validatePolicyText(
  text: string,
  kind: PolicyKind,
  /** repeatedKeys: false reads a document stored before repeated keys were refused (ParseOptions.stored). */
  checks: {
    readonly repeatedKeys?: boolean;
    /** For an SCP or RCP, IAM's own message for the fault instead of Organizations' single one. */
    readonly ownMessages?: boolean;
  } = {},
): ValidationResult {
  const fail = (message: string, keepMessage = false) =>
    failure(kind, message, keepMessage || checks.ownMessages === true);
  try {
    if (typeof text !== 'string') return fail(POLICY_MESSAGES.syntax); // untyped callers
    if (text.length > MAX_POLICY_DOCUMENT_LENGTH) return fail(POLICY_MESSAGES.tooLong, true);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fail(kind === 'trust' ? POLICY_MESSAGES.invalidJson : POLICY_MESSAGES.syntax);
    }
    // JSON.parse keeps the last of two equal keys; IAM refuses the document as malformed JSON.
    if (checks.repeatedKeys !== false && hasDuplicateKey(text))
      return fail(kind === 'trust' ? POLICY_MESSAGES.invalidJson : POLICY_MESSAGES.syntax);
    if (kind === 'trust' && !isPlainObject(parsed)) return fail(POLICY_MESSAGES.invalidJson);
    const read = readDocument(parsed);
    if (typeof read === 'string') return fail(read);
    const message = checkDocument(read, kind);
    if (message !== null) return fail(message);
    return { ok: true, document: read.document };
  } catch {
    // Unreachable by design; a safety net so that no input can make validation throw.
    return fail(POLICY_MESSAGES.syntax);
  }
}

function failure(kind: PolicyKind, message: string, keepMessage = false): { ok: false; error: PolicyError } {
  // AWS Organizations answers every malformed SCP or RCP with one message that names no element.
  const text = (kind === 'scp' || kind === 'rcp') && !keepMessage ? POLICY_MESSAGES.organizations : message;
  return { ok: false, error: { code: 'MalformedPolicyDocument', message: text } };
}

// ---------------------------------------------------------------------------------------------
// Phase 1: shape ("Syntax errors in policy."). Builds the copy that is returned on success.

interface ReadStatement {
  readonly doc: StatementDocument;
  readonly sid: string | undefined;
  readonly effect: string;
  readonly principal: PrincipalDocument | undefined;
  readonly notPrincipal: PrincipalDocument | undefined;
  readonly action: OneOrMany<string> | undefined;
  readonly notAction: OneOrMany<string> | undefined;
  readonly resource: OneOrMany<string> | undefined;
  readonly notResource: OneOrMany<string> | undefined;
  readonly condition: ConditionBlockDocument | undefined;
}

interface ReadDocument {
  readonly document: PolicyDocument;
  readonly version: PolicyVersion | undefined;
  readonly statements: readonly ReadStatement[];
}

const TOP_KEYS: ReadonlySet<string> = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS: ReadonlySet<string> = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

function readDocument(value: unknown): ReadDocument | string {
  const syntax = POLICY_MESSAGES.syntax;
  if (!isPlainObject(value)) return syntax;
  const keys = Object.keys(value);
  for (const key of keys) if (!TOP_KEYS.has(key)) return syntax;
  const version = own(value, 'Version');
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') return syntax;
  const id = own(value, 'Id');
  if (id !== undefined && typeof id !== 'string') return syntax;
  const rawStatement = own(value, 'Statement');
  let rawStatements: readonly unknown[];
  if (isPlainObject(rawStatement)) rawStatements = [rawStatement];
  else if (Array.isArray(rawStatement) && rawStatement.length > 0) rawStatements = rawStatement;
  else return syntax;

  const statements: ReadStatement[] = [];
  for (const raw of rawStatements) {
    const statement = readStatement(raw);
    if (statement === null) return syntax;
    statements.push(statement);
  }

  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === 'Version') copy.Version = version;
    else if (key === 'Id') copy.Id = id;
    else copy.Statement = Array.isArray(rawStatement) ? statements.map((s) => s.doc) : statements[0]!.doc;
  }
  return {
    document: copy as unknown as PolicyDocument,
    version: version as PolicyVersion | undefined,
    statements,
  };
}

function readStatement(value: unknown): ReadStatement | null {
  if (!isPlainObject(value)) return null;
  const keys = Object.keys(value);
  for (const key of keys) if (!STATEMENT_KEYS.has(key)) return null;
  if (has(value, 'Resource') && has(value, 'NotResource')) return null;
  if (has(value, 'Action') && has(value, 'NotAction')) return null;
  if (has(value, 'Principal') && has(value, 'NotPrincipal')) return null;

  const effect = own(value, 'Effect');
  if (typeof effect !== 'string') return null;
  const lowerEffect = effect.toLowerCase();
  if (lowerEffect !== 'allow' && lowerEffect !== 'deny') return null;

  const sid = own(value, 'Sid');
  if (sid !== undefined && typeof sid !== 'string') return null;

  const lists: Record<string, OneOrMany<string> | undefined> = {};
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    if (!has(value, key)) continue;
    const list = readStringOrList(own(value, key));
    if (list === null) return null;
    lists[key] = list;
  }

  let principal: PrincipalDocument | undefined;
  let notPrincipal: PrincipalDocument | undefined;
  if (has(value, 'Principal')) {
    const p = readPrincipal(own(value, 'Principal'));
    if (p === null) return null;
    principal = p;
  }
  if (has(value, 'NotPrincipal')) {
    const p = readPrincipal(own(value, 'NotPrincipal'));
    if (p === null) return null;
    notPrincipal = p;
  }

  let condition: ConditionBlockDocument | undefined;
  if (has(value, 'Condition')) {
    const c = readCondition(own(value, 'Condition'));
    if (c === null) return null;
    condition = c;
  }

  const doc: Record<string, unknown> = {};
  for (const key of keys) {
    switch (key) {
      case 'Sid':
        doc.Sid = sid;
        break;
      case 'Effect':
        doc.Effect = effect;
        break;
      case 'Principal':
        doc.Principal = principal;
        break;
      case 'NotPrincipal':
        doc.NotPrincipal = notPrincipal;
        break;
      case 'Condition':
        doc.Condition = condition;
        break;
      default:
        doc[key] = lists[key];
    }
  }
  return {
    doc: doc as unknown as StatementDocument,
    sid: sid as string | undefined,
    effect,
    principal,
    notPrincipal,
    action: lists.Action,
    notAction: lists.NotAction,
    resource: lists.Resource,
    notResource: lists.NotResource,
    condition,
  };
}

function readStringOrList(value: unknown): OneOrMany<string> | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return null;
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') return null;
    out.push(item);
  }
  return out;
}

function readPrincipal(value: unknown): PrincipalDocument | null {
  if (value === '*') return '*';
  if (!isPlainObject(value)) return null;
  const out: Record<string, OneOrMany<string>> = {};
  for (const key of Object.keys(value)) {
    if (!PRINCIPAL_KEYS.has(key)) return null;
    const list = readStringOrList(own(value, key));
    if (list === null) return null;
    out[key] = list;
  }
  return out as PrincipalDocument;
}

function readCondition(value: unknown): ConditionBlockDocument | null {
  if (!isPlainObject(value)) return null;
  const out: Record<string, Record<string, OneOrMany<ConditionValueDocument>>> = {};
  for (const operator of Object.keys(value)) {
    const block = own(value, operator);
    if (!isPlainObject(block)) return null;
    const keys = Object.keys(block);
    // An operator IAM does not know is accepted only with nothing under it (AWS-recorded).
    if (keys.length > 0 && !isKnownConditionOperator(operator)) return null;
    const copy: Record<string, OneOrMany<ConditionValueDocument>> = {};
    for (const key of keys) {
      const values = readConditionValues(own(block, key));
      if (values === null) return null;
      defineOwn(copy, key, values);
    }
    defineOwn(out, operator, copy);
  }
  return out;
}

function readConditionValues(value: unknown): OneOrMany<ConditionValueDocument> | null {
  if (isConditionScalar(value)) return value;
  if (!Array.isArray(value)) return null;
  const out: ConditionValueDocument[] = [];
  for (const item of value) {
    if (!isConditionScalar(item)) return null;
    out.push(item);
  }
  return out;
}

function isConditionScalar(value: unknown): value is ConditionValueDocument {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

// ---------------------------------------------------------------------------------------------
// Later phases, in AWS's order. Each returns the message of the first fault, or null.

interface KindRules {
  readonly requireLatestVersion: boolean;
  /** 'everyone': an RCP's, "*" and nothing else (Organizations User Guide, "RCP syntax"). */
  readonly principal: 'forbidden' | 'required' | 'trust' | 'everyone';
  readonly resources: 'required' | 'prohibited';
  readonly sidAlphanumeric: boolean;
}

const RULES: Record<PolicyKind, KindRules> = {
  identity: {
    requireLatestVersion: true,
    principal: 'forbidden',
    resources: 'required',
    sidAlphanumeric: true,
  },
  boundary: {
    requireLatestVersion: true,
    principal: 'forbidden',
    resources: 'required',
    sidAlphanumeric: true,
  },
  session: {
    requireLatestVersion: false,
    principal: 'forbidden',
    resources: 'required',
    sidAlphanumeric: true,
  },
  scp: { requireLatestVersion: true, principal: 'forbidden', resources: 'required', sidAlphanumeric: false },
  rcp: { requireLatestVersion: true, principal: 'everyone', resources: 'required', sidAlphanumeric: false },
  resource: {
    requireLatestVersion: false,
    principal: 'required',
    resources: 'required',
    sidAlphanumeric: false,
  },
  trust: { requireLatestVersion: false, principal: 'trust', resources: 'prohibited', sidAlphanumeric: true },
};

function checkDocument(read: ReadDocument, kind: PolicyKind): string | null {
  const rules = RULES[kind];
  const statements = read.statements;

  if (rules.requireLatestVersion && read.version !== '2012-10-17') return POLICY_MESSAGES.version;

  if (rules.principal === 'forbidden') {
    for (const s of statements) {
      if (s.principal !== undefined || s.notPrincipal !== undefined)
        return POLICY_MESSAGES.principalNotAllowed;
    }
  } else if (rules.principal === 'required') {
    for (const s of statements) {
      if (s.principal === undefined && s.notPrincipal === undefined) return POLICY_MESSAGES.missingPrincipal;
    }
  } else if (rules.principal === 'everyone') {
    // An RCP names no principal but "*" (conditions narrow it), and has no NotPrincipal or NotAction.
    for (const s of statements) {
      if (s.principal !== '*' || s.notPrincipal !== undefined || s.notAction !== undefined)
        return POLICY_MESSAGES.organizations;
    }
  }

  if (rules.resources === 'prohibited') {
    for (const s of statements) {
      if (s.resource !== undefined) return POLICY_MESSAGES.prohibitedField('Resource');
      if (s.notResource !== undefined) return POLICY_MESSAGES.prohibitedField('NotResource');
      if (s.notPrincipal !== undefined) return POLICY_MESSAGES.prohibitedField('NotPrincipal');
    }
  }

  const legacy = legacyParse(statements);
  if (legacy.failed) return POLICY_MESSAGES.legacy;

  if (rules.sidAlphanumeric) {
    for (const s of statements)
      if (s.sid !== undefined && !/^[0-9A-Za-z]*$/.test(s.sid)) return POLICY_MESSAGES.sidAlphanumeric;
  }

  const sids = new Set<string>();
  for (const s of statements) {
    if (!s.sid) continue;
    if (sids.has(s.sid)) return POLICY_MESSAGES.sidUnique;
    sids.add(s.sid);
  }

  for (const s of statements) {
    const list = s.action ?? s.notAction;
    if (list === undefined || (Array.isArray(list) && list.length === 0)) return POLICY_MESSAGES.actions;
  }

  if (rules.resources === 'required') {
    for (const s of statements) {
      const list = s.resource ?? s.notResource;
      if (list === undefined || (Array.isArray(list) && list.length === 0)) return POLICY_MESSAGES.resources;
    }
  }

  if (legacy.resourceError !== null) return legacy.resourceError;

  for (const key of ['action', 'notAction'] as const) {
    for (const s of statements) {
      for (const action of asList(s[key])) {
        const fault = actionFault(action);
        if (fault !== null) return fault;
      }
    }
  }

  if (rules.principal === 'trust') {
    for (const s of statements) {
      if (s.notAction !== undefined) return POLICY_MESSAGES.trustActions;
      for (const action of asList(s.action))
        if (!isTrustPolicyAction(action)) return POLICY_MESSAGES.trustActions;
    }
    for (const s of statements) {
      if (s.principal === undefined || countPrincipals(s.principal) === 0)
        return POLICY_MESSAGES.noPrincipals;
    }
  }

  if (rules.principal !== 'forbidden') {
    for (const s of statements) {
      for (const p of [s.principal, s.notPrincipal]) {
        if (p === undefined) continue;
        const fault = principalFault(p, kind === 'trust');
        if (fault !== null) return fault;
      }
    }
  }
  return null;
}

function actionFault(action: string): string | null {
  const parts = action.split(':');
  if (parts.length === 1 && parts[0] !== '*') return POLICY_MESSAGES.vendorPrefix;
  if (parts.length > 2) return POLICY_MESSAGES.oneColon;
  const vendor = parts[0]!;
  if (parts.length === 2 && vendor === '') return POLICY_MESSAGES.vendorPrefix;
  if (vendor !== '*' && /[^a-zA-Z0-9\-.]/.test(vendor)) return POLICY_MESSAGES.vendorInvalid(vendor);
  return null;
}

// ---- "legacy parsing": exact-case Effect, Date condition values, and resource formats.
// A resource format fault that is not itself a legacy failure is remembered and reported only after
// the Sid/action/resource-presence checks; the last such fault wins, lists being read in reverse
// sorted order (this reproduces AWS's answers to the recorded documents).

interface LegacyOutcome {
  readonly failed: boolean;
  readonly resourceError: string | null;
}

function legacyParse(statements: readonly ReadStatement[]): LegacyOutcome {
  for (const s of statements) {
    if (s.effect !== 'Allow' && s.effect !== 'Deny') return { failed: true, resourceError: null };
    if (s.condition === undefined) continue;
    for (const operator of Object.keys(s.condition)) {
      if (!stripOperator(operator).startsWith('Date')) continue;
      const block = own(s.condition, operator) as Record<string, OneOrMany<ConditionValueDocument>>;
      for (const key of Object.keys(block)) {
        for (const v of asList(own(block, key) as OneOrMany<ConditionValueDocument>)) {
          if (!isLegacyDate(String(v))) return { failed: true, resourceError: null };
        }
      }
    }
  }
  let resourceError: string | null = null;
  for (const key of ['resource', 'notResource'] as const) {
    for (const s of statements) {
      const value = s[key];
      if (value === undefined) continue;
      const items = typeof value === 'string' ? [value] : [...value].sort().reverse();
      for (const resource of items) {
        const fault = resourceFormatFault(resource);
        if (fault !== null) resourceError = fault;
      }
      if (resourceError === null) {
        for (const resource of asList(value)) {
          if (!legacyResourceParses(resource)) return { failed: true, resourceError: null };
        }
      }
    }
  }
  return { failed: false, resourceError };
}

function stripOperator(operator: string): string {
  let rest = operator;
  if (rest.startsWith('ForAnyValue:')) rest = rest.slice('ForAnyValue:'.length);
  else if (rest.startsWith('ForAllValues:')) rest = rest.slice('ForAllValues:'.length);
  if (rest.endsWith('IfExists')) rest = rest.slice(0, -'IfExists'.length);
  return rest;
}

function legacyResourceParses(resource: string): boolean {
  if (resource === '*') return true;
  if (countChar(resource, ':') < 5 && resource.includes('::')) return false;
  const third = resource.split(':')[2];
  return third !== undefined && third !== '';
}

function resourceFormatFault(resource: string): string | null {
  if (resource === '*') return null;
  const first = resource.indexOf(':');
  if (first < 0) return POLICY_MESSAGES.notArn(resource);
  const afterPrefix = resource.slice(first + 1);
  const second = afterPrefix.indexOf(':');
  const partition = second < 0 ? afterPrefix : afterPrefix.slice(0, second);
  const afterPartition = second < 0 ? '' : afterPrefix.slice(second + 1);
  if (partition !== '*' && !KNOWN_PARTITIONS.has(partition)) {
    const parts = afterPartition.split(':');
    const a1 = parts[0] !== '' || parts.length > 1 ? parts[0]! : '*';
    const a2 = parts.length > 1 ? parts[1]! : '*';
    const a3 = parts.length > 2 ? parts[2]! : '*';
    const a4 = parts.length > 3 ? parts.slice(3).join(':') : '*';
    return POLICY_MESSAGES.partition(partition, `arn:${partition}:${a1}:${a2}:${a3}:${a4}`);
  }
  if (second < 0) return POLICY_MESSAGES.resourceVendor;
  const third = afterPartition.indexOf(':');
  const service = third < 0 ? afterPartition : afterPartition.slice(0, third);
  const afterService = third < 0 ? '' : afterPartition.slice(third + 1);
  if (service === 'iam' && !afterService.startsWith(':')) return POLICY_MESSAGES.iamRegion(resource);
  // S3 bucket and object ARNs carry no region; the regional S3 resource types (access points, batch
  // jobs, Storage Lens, access grants) carry an account too, and AWS accepts them (recorded: an
  // access point ARN with region and account is valid, a bucket ARN with a region is not).
  if (
    service === 's3' &&
    (third < 0 || !afterService.startsWith(':')) &&
    (afterService.split(':')[1] ?? '') === ''
  ) {
    return POLICY_MESSAGES.s3Region(resource);
  }
  if (service === 'iam') {
    const path = afterColons(afterService, 2);
    if (path !== '*' && path !== 'root' && !IAM_PATH_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      return POLICY_MESSAGES.iamResourcePath;
    }
  }
  return null;
}

const IAM_PATH_PREFIXES = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
];

/** The text after the n-th colon, or "" when there are fewer colons. */
function afterColons(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const colon = text.indexOf(':', at);
    if (colon < 0) return '';
    at = colon + 1;
  }
  return text.slice(at);
}

function countChar(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

// ---- Date values as IAM's legacy parser reads them: an ISO 8601 date/time or an epoch number.

const MAX_EPOCH = '9223372036854775807';

function isLegacyDate(value: string): boolean {
  const lower = value.toLowerCase();
  if (!lower.includes('t') && !value.includes('-')) return isIntegerIn(lower, '0', MAX_EPOCH);
  const tAt = lower.indexOf('t');
  const datePart = tAt < 0 ? lower : lower.slice(0, tAt);
  const timePart = tAt < 0 ? '' : lower.slice(tAt + 1);

  const negativeYear = datePart.startsWith('-');
  const dateParts = (negativeYear ? datePart.slice(1) : datePart).split('-');
  if (dateParts.length > 3) return false;
  const year = (negativeYear ? '-' : '') + dateParts[0]!;
  if (!isIntegerIn(year, '-292275054', '292278993')) return false;
  if (dateParts.length > 1 && !isIntegerIn(dateParts[1]!, '1', '12')) return false;
  if (dateParts.length > 2 && !isIntegerIn(dateParts[2]!, '1', '31')) return false;

  const timeParts = timePart.split(':');
  if (timeParts[0] !== '' && !isIntegerIn(timeParts[0]!, '0', '23')) return false;
  if (timeParts.length > 1 && !isIntegerIn(timeParts[1]!, '0', '59')) return false;
  if (timeParts.length > 2) {
    const tail = timeParts[2]!;
    let seconds: string;
    const z = tail.indexOf('z');
    const offsetAt = Math.max(tail.indexOf('+'), tail.indexOf('-'));
    if (z >= 0) {
      if (tail.slice(z + 1) !== '') return false;
      seconds = tail.slice(0, z);
    } else if (offsetAt >= 0) {
      seconds = tail.slice(0, offsetAt);
      const zone = tail.slice(offsetAt + 1);
      const zoneColon = zone.indexOf(':');
      const hours = zoneColon < 0 ? zone : zone.slice(0, zoneColon);
      if (hours.length !== 2 || !isIntegerIn(hours, '0', '23')) return false;
      if (zoneColon >= 0) {
        const minutes = zone.slice(zoneColon + 1);
        if (minutes.length !== 2 || !isIntegerIn(minutes, '0', '59')) return false;
      }
    } else {
      seconds = tail;
    }
    const dot = seconds.indexOf('.');
    if (!isIntegerIn(dot < 0 ? seconds : seconds.slice(0, dot), '0', '59')) return false;
    if (dot >= 0 && !isIntegerIn(seconds.slice(dot + 1), '0', '999999999')) return false;
  }
  return true;
}

/** Whether `text` is a decimal integer (optional sign) within [min, max], without number overflow. */
function isIntegerIn(text: string, min: string, max: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) return false;
  const value = normalizeInteger(text);
  return (
    compareIntegers(value, normalizeInteger(min)) >= 0 && compareIntegers(value, normalizeInteger(max)) <= 0
  );
}

function normalizeInteger(text: string): { negative: boolean; digits: string } {
  const negative = text.startsWith('-');
  const digits = text.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '');
  return { negative: negative && digits !== '0', digits };
}

function compareIntegers(
  a: { negative: boolean; digits: string },
  b: { negative: boolean; digits: string },
): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude =
    a.digits.length !== b.digits.length
      ? a.digits.length - b.digits.length
      : a.digits < b.digits
        ? -1
        : a.digits > b.digits
          ? 1
          : 0;
  return a.negative ? -magnitude : magnitude;
}

// ---- principals (resource-based and trust policies)

const PRINCIPAL_TYPE_IN_MESSAGES: Record<string, string> = {
  AWS: 'AWS',
  Service: 'SERVICE',
  Federated: 'FEDERATED',
  CanonicalUser: 'CANONICAL_USER',
};

function countPrincipals(principal: PrincipalDocument): number {
  if (principal === '*') return 1;
  let n = 0;
  for (const key of Object.keys(principal)) n += asList(own(principal, key) as OneOrMany<string>).length;
  return n;
}

function principalFault(principal: PrincipalDocument, trust: boolean): string | null {
  if (principal === '*') return null;
  for (const key of Object.keys(principal)) {
    for (const value of asList(own(principal, key) as OneOrMany<string>)) {
      if (!isValidPrincipal(key, value, trust)) {
        return POLICY_MESSAGES.invalidPrincipal(PRINCIPAL_TYPE_IN_MESSAGES[key] ?? key, value);
      }
    }
  }
  return null;
}

const NAME = '[\\w+=,.@-]+';
const ACCOUNT = '\\d{12}';
const AWS_PRINCIPAL_ARN = new RegExp(
  `^arn:([a-z-]+):(?:iam::${ACCOUNT}:(?:root|(?:user|role)(?:/${NAME})+)|sts::${ACCOUNT}:(?:assumed-role/${NAME}/${NAME}|federated-user/${NAME}))$`,
);
const CLOUDFRONT_OAI = /^arn:aws:iam::cloudfront:user\/CloudFront Origin Access Identity [A-Z0-9]+$/;
const UNIQUE_ID = /^A(?:IDA|ROA)[A-Z0-9]{12,}$/;
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const PROVIDER_ARN = new RegExp(
  `^arn:([a-z-]+):iam::${ACCOUNT}:(?:saml-provider/${NAME}|oidc-provider/[A-Za-z0-9.-]+(?::\\d+)?(?:/[\\w.~-]+)*)$`,
);

/** Whether IAM accepts `value` as a principal of type `type` (format only; existence is not known here). */
export function isValidPrincipal(type: string, value: string, trust: boolean): boolean {
  if (value.length === 0 || value.length > 2048) return false;
  switch (type) {
    case 'AWS': {
      if (value === '*' || /^\d{12}$/.test(value) || UNIQUE_ID.test(value)) return true;
      const arn = AWS_PRINCIPAL_ARN.exec(value);
      if (arn) return KNOWN_PARTITIONS.has(arn[1]!);
      return !trust && CLOUDFRONT_OAI.test(value);
    }
    case 'Service':
      return DNS_NAME.test(value);
    case 'Federated': {
      const arn = PROVIDER_ARN.exec(value);
      if (arn) return KNOWN_PARTITIONS.has(arn[1]!);
      return DNS_NAME.test(value);
    }
    case 'CanonicalUser':
      return !trust && /^[0-9a-f]{64}$/i.test(value);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain-data helpers

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.prototype.toString.call(value) === '[object Object]'
  );
}

function has(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function own(object: object, key: string): unknown {
  return has(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** Sets an own, enumerable data property even for keys such as "__proto__". */
function defineOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function asList<T>(value: OneOrMany<T> | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
