// Tags on Organizations' resources (API reference 2016-11-28: TagResource, UntagResource,
// ListTagsForResource; `Tags` on CreateAccount, CreateOrganizationalUnit and CreatePolicy): an
// account (its 12-digit id), an OU, the root and a customer managed policy. Only the management
// account may make these calls, each authorized as organizations:<Action> on the resource's ARN,
// with aws:RequestTag/<key> and aws:TagKeys for TagResource, aws:TagKeys for UntagResource, and the
// resource's own tags as aws:ResourceTag/<key> (Service Authorization Reference). Unlike IAM's,
// Organizations' tag keys are compared as written (case matters), and its errors are its own:
// InvalidInputException with a Reason, ConstraintViolationException MAX_TAG_LIMIT_EXCEEDED.
import type { Input, Operation } from '../operation.ts';
import { requestTagContext, requiredStr, str, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { OrganizationRecord, Tag } from '../records.ts';
import { organizationAccounts, organizationalUnits, organizationPolicies, organizations } from '../tables.ts';
import { awsManagedPolicy, policyArn, policyTypeOf } from './scp-attachments.ts';
import {
  ACCOUNT_ID,
  accountArn,
  authorizedOrganization,
  invalid,
  MAX_RESULTS,
  organizationalUnitArn,
  requirePattern,
  rootArn,
} from './organization.ts';

/** "Maximum number of tags per resource": 50 (AWS Organizations quotas). */
export const MAX_TAGS = 50;

// The model's TaggableResourceId, its alternatives anchored each (the model's own leaves some not).
const TAGGABLE_ID =
  /^(?:r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|p-[0-9a-zA-Z_]{8,128}|rp-[0-9a-zA-Z_]{4,128}|rt-[0-9a-zA-Z_]{8,32})$/;
// The model's TagKey and TagValue pattern (lengths are the codec's: keys 1-128, values 0-256).
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
// "aws:" is reserved for AWS's own tags, whatever its case.
const SYSTEM_PREFIX = /^aws:/i;

const systemTag = () =>
  invalid(
    'INVALID_SYSTEM_TAGS_PARAMETER',
    "You specified a tag key that is a system tag. You can’t add, edit, or delete system tag keys because they're reserved for Amazon Web Services use. System tags don’t count against your tags per resource limit.",
  );
const tooMany = () =>
  new IamError(
    'ConstraintViolationException',
    'You have exceeded the number of tags allowed on this resource.',
    {
      Reason: 'MAX_TAG_LIMIT_EXCEEDED',
    },
  );
const targetNotFound = () =>
  new IamError(
    'TargetNotFoundException',
    "We can't find a root, OU, account, or policy with the TargetId that you specified.",
  );

/**
 * The tags a request sets, as Organizations checks them: each key and value of the model's
 * pattern, no key twice, none reserved for AWS, and no more than a resource may have.
 */
export function organizationTags(input: Input, name = 'Tags'): Tag[] {
  const tags = (input[name] as readonly Tag[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const tag of tags) {
    requirePattern(tag.Key, TAG_TEXT);
    requirePattern(tag.Value ?? '', TAG_TEXT);
    if (SYSTEM_PREFIX.test(tag.Key)) throw systemTag();
    if (seen.has(tag.Key))
      throw invalid(
        'DUPLICATE_TAG_KEY',
        'Tag keys must be unique among the tags attached to the same entity.',
      );
    seen.add(tag.Key);
  }
  if (tags.length > MAX_TAGS) throw tooMany();
  return tags.map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }));
}

/** A taggable resource of the organization, found by its id: its tags and how to keep new ones. */
interface Taggable {
  readonly tags: readonly Tag[];
  /** Absent for an AWS managed policy: it has no tags and takes none. */
  readonly save?: (tags: readonly Tag[]) => Promise<void>;
}

/**
 * The ARN a ResourceId names, for authorization ("*" for the kinds Portcullis does not keep). A
 * policy's ARN names its type (service_control_policy, resource_control_policy), read from its record.
 */
async function resourceArnOf(tx: StoreTx, id: string): Promise<(org: OrganizationRecord) => string> {
  if (id.startsWith('r-')) return (org) => rootArn({ ...org, rootId: id });
  if (ACCOUNT_ID.test(id)) return (org) => accountArn(org, id);
  if (id.startsWith('ou-')) return (org) => organizationalUnitArn(org, id);
  if (id.startsWith('p-')) {
    const type = await policyTypeOf(tx, id);
    return (org) => policyArn(org, id, type);
  }
  return () => '*';
}

async function findTaggable(tx: StoreTx, org: OrganizationRecord, id: string): Promise<Taggable> {
  if (id === org.rootId)
    return {
      tags: org.rootTags ?? [],
      save: (tags) => tx.update(organizations, { ...org, rootTags: tags }),
    };
  if (ACCOUNT_ID.test(id)) {
    const member = await tx.get(organizationAccounts, id);
    if (member?.organization === org.id)
      return {
        tags: member.tags ?? [],
        save: (tags) => tx.update(organizationAccounts, { ...member, tags }),
      };
  } else if (id.startsWith('ou-')) {
    const ou = await tx.get(organizationalUnits, id);
    if (ou?.organization === org.id)
      return { tags: ou.tags, save: (tags) => tx.update(organizationalUnits, { ...ou, tags: [...tags] }) };
  } else if (awsManagedPolicy(id)) {
    return { tags: [] };
  } else if (id.startsWith('p-')) {
    const policy = await tx.get(organizationPolicies, id);
    if (policy?.organization === org.id)
      return {
        tags: policy.tags,
        save: (tags) => tx.update(organizationPolicies, { ...policy, tags: [...tags] }),
      };
  }
  throw targetNotFound();
}

function savable(resource: Taggable): (tags: readonly Tag[]) => Promise<void> {
  if (!resource.save)
    throw invalid(
      'IMMUTABLE_POLICY',
      "You specified a policy that is managed by Amazon Web Services and can't be modified.",
    );
  return resource.save;
}

/** ListTagsForResource's pages: NextToken names the key of the last tag returned. */
function tagPage(tags: readonly Tag[], input: Input): { Tags: Tag[]; NextToken?: string } {
  const token = str(input, 'NextToken');
  let start = 0;
  if (token !== undefined) {
    const key = Buffer.from(token, 'base64url').toString('utf8');
    const index = tags.findIndex((tag) => tag.Key === key);
    if (key === '' || Buffer.from(key, 'utf8').toString('base64url') !== token || index < 0)
      throw invalid(
        'INVALID_NEXT_TOKEN',
        'You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.',
      );
    start = index + 1;
  }
  const items = tags.slice(start, start + MAX_RESULTS);
  const more = start + MAX_RESULTS < tags.length;
  return {
    Tags: items.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
    ...(more ? { NextToken: Buffer.from(items[items.length - 1]!.Key, 'utf8').toString('base64url') } : {}),
  };
}

function resourceIdOf(input: Input): string {
  return requirePattern(requiredStr(input, 'ResourceId'), TAGGABLE_ID);
}

export const tagOperations: Readonly<Record<string, Operation>> = {
  async TagResource(ctx, input) {
    const id = resourceIdOf(input);
    const added = organizationTags(input);
    return writeTx(ctx, async (tx) => {
      const arnOf = await resourceArnOf(tx, id);
      const org = await authorizedOrganization(
        ctx,
        tx,
        'TagResource',
        (o) => [arnOf(o)],
        requestTagContext(added),
      );
      const resource = await findTaggable(tx, org, id);
      const save = savable(resource);
      // A key already set takes the new value in its place; new keys follow the old ones.
      const merged = resource.tags.map((tag) => added.find((a) => a.Key === tag.Key) ?? tag);
      merged.push(...added.filter((a) => !resource.tags.some((tag) => tag.Key === a.Key)));
      if (merged.length > MAX_TAGS) throw tooMany();
      await save(merged);
      return undefined;
    });
  },

  async UntagResource(ctx, input) {
    const id = resourceIdOf(input);
    const keys = (input.TagKeys as string[] | undefined) ?? [];
    for (const key of keys) {
      requirePattern(key, TAG_TEXT);
      if (SYSTEM_PREFIX.test(key)) throw systemTag();
    }
    return writeTx(ctx, async (tx) => {
      const arnOf = await resourceArnOf(tx, id);
      const org = await authorizedOrganization(ctx, tx, 'UntagResource', (o) => [arnOf(o)], {
        'aws:TagKeys': keys,
      });
      const resource = await findTaggable(tx, org, id);
      const save = savable(resource);
      // Keys the resource does not have are no error, as on AWS.
      await save(resource.tags.filter((tag) => !keys.includes(tag.Key)));
      return undefined;
    });
  },

  async ListTagsForResource(ctx, input) {
    const id = resourceIdOf(input);
    return ctx.iam.store.read(async (tx) => {
      const arnOf = await resourceArnOf(tx, id);
      const org = await authorizedOrganization(ctx, tx, 'ListTagsForResource', (o) => [arnOf(o)]);
      return tagPage((await findTaggable(tx, org, id)).tags, input);
    });
  },
};
