// Inline policies of users, groups and roles: Put/Get/List/Delete{User,Group,Role}Policy.
//
// Documents are validated by the engine as identity policies and stored exactly as given, in the
// holder's `inlinePolicies` map. The size quota applies to the aggregate of all of a holder's inline
// policies (users 2,048, groups 5,120, roles 10,240 characters, white space not counted). Inline
// policy names are matched without regard to case, like every other IAM name: putting "ReadOnly"
// over an existing "readonly" replaces it. GetXPolicy returns the document URL-encoded (RFC 3986),
// as AWS does; the AWS CLI and boto3 decode it, other SDKs hand it over encoded.
import { checkPolicySize, parsePolicy, policySize, type PolicySizeLimit } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { PolicyHolder } from '../records.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  pageOf,
  pageOutput,
  requiredStr,
  writeTx,
} from '../operation.ts';
import {
  type HolderRecord,
  type HolderType,
  assertModifiableHolder,
  authorizedHolder,
  saveHolder,
} from './holders.ts';
import { encodePolicyDocument } from '../policy-documents.ts';

/** What differs between users, groups and roles as holders of inline policies. */
interface HolderFamily {
  readonly entity: 'User' | 'Group' | 'Role';
  readonly kind: HolderType;
  /** The input and output member naming the holder: UserName, GroupName, RoleName. */
  readonly nameMember: 'UserName' | 'GroupName' | 'RoleName';
  readonly sizeLimit: PolicySizeLimit;
}

// Over the aggregate size, AWS's LimitExceeded "Maximum policy size of <N> bytes exceeded for
// <user|group|role> <name>" (src/policy/size.ts), recorded for PutUserPolicy
// (https://github.com/ministryofjustice/cloud-platform-environments/pull/5302), PutGroupPolicy
// (https://github.com/HumanCellAtlas/data-store/issues/1963) and roles
// (https://github.com/aws/eks-hybrid/pull/596).
const FAMILIES: readonly HolderFamily[] = [
  { entity: 'User', kind: 'user', nameMember: 'UserName', sizeLimit: 'user-inline' },
  { entity: 'Group', kind: 'group', nameMember: 'GroupName', sizeLimit: 'group-inline' },
  { entity: 'Role', kind: 'role', nameMember: 'RoleName', sizeLimit: 'role-inline' },
];

/** The stored name of the inline policy matching `name` without regard to case, if any. */
function storedPolicyName(holder: PolicyHolder, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(holder.inlinePolicies).find((n) => n.toLowerCase() === lower);
}

function noSuchPolicy(family: HolderFamily, policyName: string): IamError {
  return new IamError('NoSuchEntity', `The ${family.kind} policy with name ${policyName} cannot be found.`);
}

function authorizedFamilyHolder(
  ctx: OperationContext,
  tx: StoreTx,
  family: HolderFamily,
  action: string,
  input: Input,
): Promise<HolderRecord> {
  return authorizedHolder(ctx, tx, family.kind, action, requiredStr(input, family.nameMember));
}

function operationsFor(family: HolderFamily): Record<string, Operation> {
  const { entity } = family;
  return {
    async [`Put${entity}Policy`](ctx, input) {
      const policyName = requiredStr(input, 'PolicyName');
      const document = requiredStr(input, 'PolicyDocument');
      return writeTx(ctx, async (tx) => {
        const holder = await authorizedFamilyHolder(ctx, tx, family, `iam:Put${entity}Policy`, input);
        assertModifiableHolder(family.kind, holder);
        const parsed = parsePolicy(document, { kind: 'identity' });
        if (!parsed.ok) throw new IamError(parsed.error.code, parsed.error.message);
        const replaced = storedPolicyName(holder, policyName);
        let total = policySize(document);
        for (const [name, text] of Object.entries(holder.inlinePolicies)) {
          if (name !== replaced) total += policySize(text);
        }
        const tooLarge = checkPolicySize(total, family.sizeLimit, holder.name);
        if (tooLarge) throw new IamError(tooLarge.code, tooLarge.message);
        if (replaced !== undefined) delete holder.inlinePolicies[replaced];
        holder.inlinePolicies[policyName] = document;
        await saveHolder(tx, family.kind, holder);
        return undefined;
      });
    },

    async [`Get${entity}Policy`](ctx, input) {
      const policyName = requiredStr(input, 'PolicyName');
      return ctx.iam.store.read(async (tx) => {
        const holder = await authorizedFamilyHolder(ctx, tx, family, `iam:Get${entity}Policy`, input);
        const stored = storedPolicyName(holder, policyName);
        if (stored === undefined) throw noSuchPolicy(family, policyName);
        return {
          [family.nameMember]: holder.name,
          PolicyName: stored,
          PolicyDocument: encodePolicyDocument(holder.inlinePolicies[stored]!),
        };
      });
    },

    async [`List${entity}Policies`](ctx, input) {
      return ctx.iam.store.read(async (tx) => {
        const holder = await authorizedFamilyHolder(ctx, tx, family, `iam:List${entity}Policies`, input);
        const lower = (n: string) => n.toLowerCase();
        const names = Object.keys(holder.inlinePolicies).sort((a, b) =>
          lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0,
        );
        return pageOutput('PolicyNames', pageOf(names, lower, input), (n) => n);
      });
    },

    async [`Delete${entity}Policy`](ctx, input) {
      const policyName = requiredStr(input, 'PolicyName');
      return writeTx(ctx, async (tx) => {
        const holder = await authorizedFamilyHolder(ctx, tx, family, `iam:Delete${entity}Policy`, input);
        assertModifiableHolder(family.kind, holder);
        const stored = storedPolicyName(holder, policyName);
        if (stored === undefined) throw noSuchPolicy(family, policyName);
        delete holder.inlinePolicies[stored];
        await saveHolder(tx, family.kind, holder);
        return undefined;
      });
    },
  };
}

export const inlinePoliciesOperations: Record<string, Operation> = {
  ...Object.assign({}, ...FAMILIES.map(operationsFor)),
};
