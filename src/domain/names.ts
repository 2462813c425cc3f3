// ARNs of IAM entities.

export type EntityType =
  'user' | 'group' | 'role' | 'policy' | 'instance-profile' | 'mfa' | 'server-certificate';

/** arn:aws:iam::<account>:<type><path><name>, e.g. user/division/alice for path /division/. */
export function iamArn(account: string, type: EntityType, path: string, name: string): string {
  return `arn:aws:iam::${account}:${type}${path}${name}`;
}

export function rootArn(account: string): string {
  return `arn:aws:iam::${account}:root`;
}

/** The ARN of a customer managed policy, or of an AWS managed one (account "aws"). */
export function policyArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:policy${path}${name}`;
}

const POLICY_ARN = /^arn:aws:iam::(\d{12}|aws):policy(\/(?:[\x21-\x7e]*\/)?)?([\w+=,.@-]+)$/;

/** Reads a managed policy ARN into its account ("aws" for AWS managed), path and name. */
export function parsePolicyArn(arn: string): { account: string; path: string; name: string } | null {
  const match = POLICY_ARN.exec(arn);
  if (!match) return null;
  return { account: match[1]!, path: match[2] ?? '/', name: match[3]! };
}
