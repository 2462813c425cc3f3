// Attaching managed policies: Attach/Detach{User,Group,Role}Policy, ListAttached{User,Group,Role}Policies
// and ListEntitiesForPolicy.
//
// An attachment is a row naming the holder's id and the policy's ARN (policy_attachments): the
// database lists a holder's policies in attachment order, and counts and lists a policy's holders.
//
// AWS's rules (IAM API reference, service authorization reference, quotas; messages recorded from
// real AWS unless said otherwise):
// - Authorization is on the user, group or role ARN with iam:PolicyARN and, for users and roles,
//   iam:PermissionsBoundary (their current boundary) and aws:ResourceTag/*.
// - A policy that is missing (or in another account): NoSuchEntity
//   "Policy <arn> does not exist or is not attachable."; attaching one already attached is a no-op.
// - AWS managed policies under /aws-service-role/ belong to service-linked roles: PolicyNotAttachable
//   "Cannot attach a Service Role Policy to a Customer Role." (as AWS answers AttachRolePolicy; the
//   same text is used for users and groups, for which no recording was found).
// - At most 10 managed policies per user, group and role: LimitExceeded
//   "Cannot exceed quota for PoliciesPerUser: 10" (PoliciesPerGroup, PoliciesPerRole).
// - Detaching a policy that is not attached: NoSuchEntity "Policy <arn> was not found."
// - Service-linked roles (path /aws-service-role/) are changed only by AWS: UnmodifiableEntity.
import { IamError } from '../errors.ts';
import { parsePolicyArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { PolicyAttachmentRecord } from '../records.ts';
import { policyAttachments } from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  pageOf,
  pageOutput,
  requiredStr,
  resourceTagContext,
  str,
  positionalPage,
  writeTx,
} from '../operation.ts';
import {
  HOLDERS,
  HOLDER_TABLES,
  type HolderKind,
  type HolderRecord,
  type HolderType,
  assertModifiableHolder,
  authorizedHolder,
} from './holders.ts';
import {
  ATTACHED_POLICIES_QUOTA,
  boundaryHolders,
  findPolicy,
  policyNotAttachable,
  policyNotFound,
  readPolicyArn,
  tagsOfPolicy,
} from './managed-policies-common.ts';

/** A holder's attached policies, in attachment order. */
export function attachmentsOf(tx: StoreTx, holderId: string): Promise<PolicyAttachmentRecord[]> {
  return tx.list(policyAttachments, { where: { holder_id: holderId }, orderBy: 'position' });
}

function attachmentId(holderId: string, policyArn: string): string {
  return `${holderId}|${policyArn}`;
}

function attach(kind: HolderKind): Operation {
  const action = `iam:Attach${kind.word}Policy`;
  return async (ctx, input) => {
    const name = requiredStr(input, kind.nameMember);
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const holder = await authorizedHolder(ctx, tx, kind.type, action, name, { 'iam:PolicyARN': ref.arn });
      assertModifiableHolder(kind.type, holder);
      const found = await findPolicy(ctx, tx, ref);
      if (!found) throw policyNotAttachable(ref.arn);
      if (found.kind === 'aws' && found.policy.path === '/aws-service-role/') {
        throw new IamError('PolicyNotAttachable', 'Cannot attach a Service Role Policy to a Customer Role.');
      }
      const attached = await attachmentsOf(tx, holder.id);
      if (attached.some((a) => a.policyArn === ref.arn)) return undefined;
      if (attached.length >= ATTACHED_POLICIES_QUOTA) {
        // AWS's text, recorded for users (https://github.com/jenkins-x/terraform-aws-eks-jx/issues/42),
        // groups (https://github.com/aws/aws-cdk/issues/13515) and roles
        // (https://github.com/aws/eks-hybrid/pull/741).
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for PoliciesPer${kind.word}: ${ATTACHED_POLICIES_QUOTA}`,
        );
      }
      await tx.insert(policyAttachments, {
        id: attachmentId(holder.id, ref.arn),
        account,
        policyArn: ref.arn,
        holderType: kind.type,
        holderId: holder.id,
        position: (attached[attached.length - 1]?.position ?? 0) + 1,
      });
      return undefined;
    });
  };
}

function detach(kind: HolderKind): Operation {
  const action = `iam:Detach${kind.word}Policy`;
  return async (ctx, input) => {
    const name = requiredStr(input, kind.nameMember);
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    return writeTx(ctx, async (tx) => {
      const holder = await authorizedHolder(ctx, tx, kind.type, action, name, { 'iam:PolicyARN': ref.arn });
      assertModifiableHolder(kind.type, holder);
      if (!(await tx.delete(policyAttachments, attachmentId(holder.id, ref.arn))))
        throw policyNotFound(ref.arn);
      return undefined;
    });
  };
}

function listAttached(kind: HolderKind): Operation {
  const action = `iam:ListAttached${kind.word}Policies`;
  return async (ctx, input) => {
    const name = requiredStr(input, kind.nameMember);
    const prefix = str(input, 'PathPrefix') ?? '/';
    return ctx.iam.store.read(async (tx) => {
      const holder = await authorizedHolder(ctx, tx, kind.type, action, name);
      const attached = (await attachmentsOf(tx, holder.id)).flatMap(({ policyArn: arn }) => {
        const parsed = parsePolicyArn(arn);
        return parsed && parsed.path.startsWith(prefix) ? [{ PolicyName: parsed.name, PolicyArn: arn }] : [];
      });
      return pageOutput(
        'AttachedPolicies',
        positionalPage(attached, (p) => p.PolicyArn, input),
        (p) => p,
      );
    });
  };
}

// ---- ListEntitiesForPolicy

interface PolicyEntity {
  /** "group|name", "role|name", "user|name" in lower case: the order and the Marker. */
  readonly sortKey: string;
  readonly type: HolderType;
  readonly record: HolderRecord;
}

const ENTITY_FILTER: Record<string, HolderType | null> = {
  User: 'user',
  Group: 'group',
  Role: 'role',
  // Policies are not entities a policy is attached to: nothing matches.
  LocalManagedPolicy: null,
  AWSManagedPolicy: null,
};

async function listEntitiesForPolicy(ctx: OperationContext, input: Input): Promise<Record<string, unknown>> {
  const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
  const filter = str(input, 'EntityFilter');
  const wanted = filter === undefined ? undefined : ENTITY_FILTER[filter];
  const prefix = str(input, 'PathPrefix') ?? '/';
  const usage = str(input, 'PolicyUsageFilter');
  const { account } = ctx.caller;
  return ctx.iam.store.read(async (tx) => {
    const found = await findPolicy(ctx, tx, ref);
    await check(ctx, tx, 'iam:ListEntitiesForPolicy', ref.arn, resourceTagContext(tagsOfPolicy(found)));
    if (!found) throw policyNotAttachable(ref.arn);

    const entities = new Map<string, PolicyEntity>();
    const add = (type: HolderType, record: HolderRecord) => {
      if (wanted === null || (wanted !== undefined && wanted !== type)) return;
      if (!record.path.startsWith(prefix)) return;
      const sortKey = `${type}|${record.name.toLowerCase()}`;
      entities.set(sortKey, { sortKey, type, record });
    };
    if (usage !== 'PermissionsBoundary') {
      for (const type of ['user', 'group', 'role'] as const) {
        const holders = await tx.list(HOLDER_TABLES[type], {
          where: {
            account,
            id: {
              in: {
                table: policyAttachments,
                column: 'holder_id',
                where: { account, policy_arn: ref.arn, holder_type: type },
              },
            },
          },
        });
        for (const record of holders) add(type, record);
      }
    }
    if (usage !== 'PermissionsPolicy') {
      for (const holder of await boundaryHolders(tx, account, ref.arn)) {
        add(holder.type, holder.record as HolderRecord);
      }
    }
    const sorted = [...entities.values()].sort((a, b) =>
      a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0,
    );
    const page = pageOf(sorted, (e) => e.sortKey, input);
    const of = (type: HolderType) => page.items.filter((e) => e.type === type);
    return {
      PolicyGroups: of('group').map((e) => ({ GroupName: e.record.name, GroupId: e.record.id })),
      PolicyUsers: of('user').map((e) => ({ UserName: e.record.name, UserId: e.record.id })),
      PolicyRoles: of('role').map((e) => ({ RoleName: e.record.name, RoleId: e.record.id })),
      IsTruncated: page.isTruncated,
      ...(page.marker ? { Marker: page.marker } : {}),
    };
  });
}

export const managedPolicyAttachmentOperations: Record<string, Operation> = {
  AttachUserPolicy: attach(HOLDERS.user),
  AttachGroupPolicy: attach(HOLDERS.group),
  AttachRolePolicy: attach(HOLDERS.role),
  DetachUserPolicy: detach(HOLDERS.user),
  DetachGroupPolicy: detach(HOLDERS.group),
  DetachRolePolicy: detach(HOLDERS.role),
  ListAttachedUserPolicies: listAttached(HOLDERS.user),
  ListAttachedGroupPolicies: listAttached(HOLDERS.group),
  ListAttachedRolePolicies: listAttached(HOLDERS.role),
  ListEntitiesForPolicy: listEntitiesForPolicy,
};
