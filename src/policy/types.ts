// The engine's public vocabulary: what callers hand in and what they get back.
// Everything here is plain data so that the server, the simulator and library users speak it alike.

/** Where a policy document is used. Validation rules and the decision table depend on it. */
export type PolicyKind =
  | 'identity' // managed or inline policy attached to a user, group or role
  | 'resource' // resource-based policy (bucket policy, key policy, ...)
  | 'trust' // a role's trust (assume-role) policy: a resource-based policy on the role
  | 'boundary' // permissions boundary
  | 'session' // session policy passed to AssumeRole / GetFederationToken
  | 'scp' // service control policy
  | 'rcp'; // resource control policy

/** The error IAM returns for a rejected document, with AWS's code and message. */
export interface PolicyError {
  readonly code: 'MalformedPolicyDocument' | 'LimitExceeded';
  readonly message: string;
}

/** A value in the request context. Arrays are multi-valued keys (aws:TagKeys, ...). */
export type ContextScalar = string | number | boolean;
export type ContextValue = ContextScalar | readonly ContextScalar[];

/** Who is making the request, as resource-based and trust policies see it. */
export interface Principal {
  /** The principal's ARN: user, root, assumed-role session, federated user. */
  readonly arn: string;
  /** The account the principal belongs to (12 digits). */
  readonly account: string;
  readonly type:
    'root' | 'user' | 'assumed-role' | 'federated-user' | 'service' | 'web-identity' | 'saml' | 'anonymous';
  /** For assumed-role sessions: the role's ARN, which a policy may name instead of the session. */
  readonly roleArn?: string;
  /**
   * The principal's unique id: an IAM user's (AIDA…), or for an assumed-role session its role's
   * (AROA…). IAM keeps a policy's principal ARNs as these ids, so a policy naming the id trusts
   * that very user or role, not a later one of the same name.
   */
  readonly uniqueId?: string;
  /** For services: the service principal, e.g. "ec2.amazonaws.com". */
  readonly service?: string;
  /** For web identity / SAML: the provider (e.g. "accounts.google.com" or a saml-provider ARN). */
  readonly federatedProvider?: string;
}

export type ContextKeys = Readonly<Record<string, ContextValue | undefined>>;

export interface RequestInput {
  /** "service:Action", any case. */
  readonly action: string;
  /** The resource ARN, or "*" for actions without a resource. */
  readonly resource: string;
  readonly principal?: Principal;
  /**
   * Context keys, any case (aws:username, aws:MultiFactorAuthPresent, iam:PassedToService, ...);
   * or several sets of them, where a later set's key replaces an earlier one's.
   */
  readonly context?: ContextKeys | readonly ContextKeys[];
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** The policy type named in AWS's AccessDenied messages. */
export type PolicyType =
  | 'identity-based'
  | 'resource-based'
  | 'role trust'
  | 'permissions boundary'
  | 'session'
  | 'service control'
  | 'resource control';

export interface MatchedStatement {
  readonly policyId: string;
  readonly policyType: PolicyType;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** Zero-based position of the statement in its document. */
  readonly index: number;
}

export interface EvaluationResult {
  readonly decision: Decision;
  /** For a deny: the policy type AWS names in its message (explicit deny: where; implicit: which did not allow). */
  readonly deniedBy: PolicyType | undefined;
  /** The statements that decided: the denying ones for an explicit deny, the allowing ones for an allow. */
  readonly decidingStatements: readonly MatchedStatement[];
  /** Every statement whose action, resource, principal and conditions matched. */
  readonly matchedStatements: readonly MatchedStatement[];
  /** Context keys that conditions asked for and the request did not carry (lower case as written in policies). */
  readonly missingContextKeys: readonly string[];
}
