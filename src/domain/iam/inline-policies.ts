// Inline policies of users, groups and roles: Put/Get/List/Delete{User,Group,Role}Policy.
//
// Documents are validated by the engine as identity policies and stored exactly as given, in the
// holder's `inlinePolicies` map. The size quota applies to the aggregate of all of a holder's inline
// policies (users 2,048, groups 5,120, roles 10,240 characters, white space not counted). Inline
// policy names are matched without regard to case, like every other IAM name: putting "ReadOnly"
// over an existing "readonly" replaces it. GetXPolicy returns the document URL-encoded (RFC 3986),
// as AWS does; the AWS CLI and boto3 decode it, other SDKs hand it over encoded.
import { checkPolicySize, parsePolicy, policySize, type PolicySizeLimit } from '../../policy/index.ts';
import type { ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import { iamArn, key } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { PolicyHolder, RoleRecord } from '../records.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  pageOf,
  pageOutput,
  requiredStr,
  resourceTagContext,
} from '../operation.ts';
import { findUser, noSuchUser } from './users.ts';
import { findGroup, noSuchGroup } from './groups.ts';
import { encodePolicyDocument } from '../policy-documents.ts';

interface Holder extends PolicyHolder {
  readonly account: string;
  readonly name: string;
  readonly path: string;
  readonly tags?: readonly { Key: string; Value: string }[];
}

/** What differs between users, groups and roles as holders of inline policies. */
interface HolderFamily {
  readonly entity: 'User' | 'Group' | 'Role';
  readonly kind: 'user' | 'group' | 'role';
  /** The input and output member naming the holder: UserName, GroupName, RoleName. */
  readonly nameMember: 'UserName' | 'GroupName' | 'RoleName';
  readonly sizeLimit: PolicySizeLimit;
  find(tx: StoreTx, account: string, name: string): Promise<Holder | undefined>;
  noSuch(name: string): IamError;
  /** Throws when the holder may not be changed by anyone but AWS (service-linked roles). */
  assertModifiable?(holder: Holder): void;
}

const userFamily: HolderFamily = {
  entity: 'User',
  kind: 'user',
  nameMember: 'UserName',
  sizeLimit: 'user-inline',
  find: (tx, account, name) => findUser(tx, account, name),
  noSuch: noSuchUser,
};

const groupFamily: HolderFamily = {
  entity: 'Group',
  kind: 'group',
  nameMember: 'GroupName',
  sizeLimit: 'group-inline',
  find: (tx, account, name) => findGroup(tx, account, name),
  noSuch: noSuchGroup,
};

/** Roles AWS keeps for itself (service-linked roles, IAM Identity Center roles). */
const PROTECTED_ROLE_PATHS = ['/aws-service-role/', '/aws-reserved/'];

const roleFamily: HolderFamily = {
  entity: 'Role',
  kind: 'role',
  nameMember: 'RoleName',
  sizeLimit: 'role-inline',
  find: (tx, account, name) => tx.get<RoleRecord>('role', key.entity(account, name)),
  noSuch: (name) => new IamError('NoSuchEntity', `The role with name ${name} cannot be found.`),
  assertModifiable(holder) {
    if (PROTECTED_ROLE_PATHS.some((p) => holder.path.startsWith(p)))
      throw new IamError(
        'UnmodifiableEntity',
        `Cannot perform the operation on the protected role '${holder.name}' - this role is only modifiable by AWS`,
      );
  },
};

/** The stored name of the inline policy matching `name` without regard to case, if any. */
function storedPolicyName(holder: PolicyHolder, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(holder.inlinePolicies).find((n) => n.toLowerCase() === lower);
}

function noSuchPolicy(family: HolderFamily, policyName: string): IamError {
  return new IamError('NoSuchEntity', `The ${family.kind} policy with name ${policyName} cannot be found.`);
}

/** Finds the holder, authorizes on its ARN (with its tags), then fails with NoSuchEntity if missing. */
async function authorizedHolder(
  ctx: OperationContext,
  tx: StoreTx,
  family: HolderFamily,
  action: string,
  input: Input,
): Promise<Holder> {
  const name = requiredStr(input, family.nameMember);
  const { account } = ctx.caller;
  const holder = await family.find(tx, account, name);
  const context: Record<string, ContextValue> = resourceTagContext(holder?.tags);
  // The holder's ARN, or the one the name would have at path "/" when it does not exist.
  const arn = iamArn(account, family.kind, holder?.path ?? '/', holder?.name ?? name);
  await check(ctx, tx, action, arn, context);
  if (!holder) throw family.noSuch(name);
  return holder;
}

function save(tx: StoreTx, family: HolderFamily, holder: Holder): Promise<void> {
  return tx.put(family.kind, key.entity(holder.account, holder.name), holder);
}

function operationsFor(family: HolderFamily): Record<string, Operation> {
  const { entity } = family;
  return {
    async [`Put${entity}Policy`](ctx, input) {
      const policyName = requiredStr(input, 'PolicyName');
      const document = requiredStr(input, 'PolicyDocument');
      return ctx.iam.store.write(async (tx) => {
        const holder = await authorizedHolder(ctx, tx, family, `iam:Put${entity}Policy`, input);
        family.assertModifiable?.(holder);
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
        await save(tx, family, holder);
        return undefined;
      });
    },

    async [`Get${entity}Policy`](ctx, input) {
      const policyName = requiredStr(input, 'PolicyName');
      return ctx.iam.store.read(async (tx) => {
        const holder = await authorizedHolder(ctx, tx, family, `iam:Get${entity}Policy`, input);
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
        const holder = await authorizedHolder(ctx, tx, family, `iam:List${entity}Policies`, input);
        const lower = (n: string) => n.toLowerCase();
        const names = Object.keys(holder.inlinePolicies).sort((a, b) =>
          lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0,
        );
        return pageOutput('PolicyNames', pageOf(names, lower, input), (n) => n);
      });
    },

    async [`Delete${entity}Policy`](ctx, input) {
      const policyName = requiredStr(input, 'PolicyName');
      return ctx.iam.store.write(async (tx) => {
        const holder = await authorizedHolder(ctx, tx, family, `iam:Delete${entity}Policy`, input);
        family.assertModifiable?.(holder);
        const stored = storedPolicyName(holder, policyName);
        if (stored === undefined) throw noSuchPolicy(family, policyName);
        delete holder.inlinePolicies[stored];
        await save(tx, family, holder);
        return undefined;
      });
    },
  };
}

export const inlinePoliciesOperations: Record<string, Operation> = {
  ...operationsFor(userFamily),
  ...operationsFor(groupFamily),
  ...operationsFor(roleFamily),
};
