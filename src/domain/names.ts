// Store keys and ARNs for IAM entities. Keys put the account first and the name in lower case, so
// that names are unique regardless of case and an account's entities list in name order.

export type EntityType = 'user' | 'group' | 'role' | 'policy' | 'instance-profile' | 'mfa';

export const key = {
  entity: (account: string, name: string) => `${account}/${name.toLowerCase()}`,
  accountPrefix: (account: string) => `${account}/`,
  groupMember: (account: string, group: string, user: string) =>
    `${account}/${group.toLowerCase()}/${user.toLowerCase()}`,
  groupMembers: (account: string, group: string) => `${account}/${group.toLowerCase()}/`,
  attachment: (account: string, policyArn: string, type: string, name: string) =>
    `${account}/${policyArn}|${type}|${name.toLowerCase()}`,
  attachmentsOf: (account: string, policyArn: string) => `${account}/${policyArn}|`,
};

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
