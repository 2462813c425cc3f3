// Last accessed information (IAM User Guide, "Refine permissions in AWS using last accessed
// information"; API reference, GenerateServiceLastAccessedDetails and the three that read it):
// for a user, group, role or managed policy, the services its permissions policies allow, each
// with the last attempt to use it by the entities the report counts — the user or role itself, a
// group's members, the users (direct or through groups) and roles a policy is attached to —, from
// the record of use service-uses.ts keeps by principal id. A report is made when asked for and
// kept (last_accessed_jobs) for a day, so every node answers from the same one; it is small, so
// it is COMPLETED within GenerateServiceLastAccessedDetails.
import { newTimeOrderedId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { parsePolicyArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type {
  GroupRecord,
  LastAccessedEntity,
  LastAccessedJobRecord,
  LastAccessedService,
  RoleRecord,
  ServiceAccessRecord,
  UserRecord,
} from '../records.ts';
import {
  groupMembers,
  groups,
  lastAccessedJobs,
  policyAttachments,
  roles,
  serviceAccesses,
  users,
} from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  isoNow,
  pageOf,
  pageOutput,
  requiredStr,
  str,
} from '../operation.ts';
import { loadManagedPolicyDocument } from '../policy-documents.ts';
import { ACTION_LEVEL_SERVICES, flushServiceUses, isTrackedAction } from '../service-uses.ts';
import { groupArn } from './groups.ts';
import { roleArn } from './roles.ts';
import { userArn } from './users.ts';
import { attachmentsOf } from './managed-policies-attachments.ts';
import { groupsOfUser } from './groups.ts';
import {
  actionsGranted,
  grantsOf,
  grantsService,
  servicesGranted,
  serviceName,
  type Grant,
} from './services-granted.ts';

type EntityKind = 'user' | 'group' | 'role' | 'policy';

/**
 * How long a report is kept for GetServiceLastAccessedDetails (a guess: AWS does not say; the
 * console makes a new one for every view).
 */
const REPORT_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * The tracking period: "IAM reports activity for at least the last 400 days" (API reference,
 * GenerateServiceLastAccessedDetails); an attempt older than that reads as none ("This field is
 * null if no IAM entities attempted to access the service within the tracking period",
 * ServiceLastAccessed, TrackedActionLastAccessed and EntityDetails alike).
 */
const TRACKING_PERIOD_MS = 400 * 24 * 60 * 60 * 1000;

/** A permissions policy of the report's entity, with where it comes from (ListPoliciesGrantingServiceAccess). */
interface SourcePolicy {
  readonly name: string;
  readonly type: 'INLINE' | 'MANAGED';
  readonly arn?: string;
  /** The owner of an inline policy. */
  readonly owner?: { readonly type: 'USER' | 'GROUP' | 'ROLE'; readonly name: string };
  readonly grants: readonly Grant[];
}

/** What the report is about: its policies and the users and roles whose use it counts. */
interface Subject {
  readonly kind: EntityKind;
  readonly policies: readonly SourcePolicy[];
  readonly entities: readonly LastAccessedEntity[];
}

const ENTITY_ARN = /^arn:aws:iam::(\d{12}):(user|group|role)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/;

function invalidArn(arn: string): IamError {
  // AWS's text for an ARN that names no IAM resource (a guess at the wording).
  return new IamError('InvalidInput', `ARN ${arn} is not valid.`);
}

function noSuchEntity(arn: string): IamError {
  // A guess at AWS's wording.
  return new IamError('NoSuchEntity', `The entity ${arn} does not exist.`);
}

/** The kind of IAM resource an Arn parameter names; InvalidInput for anything else. */
function kindOf(arn: string): { kind: EntityKind; account: string; path: string; name: string } {
  const entity = ENTITY_ARN.exec(arn);
  if (entity)
    return { kind: entity[2] as EntityKind, account: entity[1]!, path: entity[3]!, name: entity[4]! };
  const policy = parsePolicyArn(arn);
  if (policy) return { kind: 'policy', ...policy };
  throw invalidArn(arn);
}

const asEntity = (type: 'USER' | 'ROLE', record: UserRecord | RoleRecord): LastAccessedEntity => ({
  id: record.id,
  type,
  name: record.name,
  path: record.path,
  arn: type === 'USER' ? userArn(record) : roleArn(record as RoleRecord),
});

async function holderPolicies(
  ctx: OperationContext,
  tx: StoreTx,
  holder: UserRecord | GroupRecord | RoleRecord,
  ownerType: 'USER' | 'GROUP' | 'ROLE',
): Promise<SourcePolicy[]> {
  const found: SourcePolicy[] = [];
  for (const [name, document] of Object.entries(holder.inlinePolicies))
    found.push({
      name,
      type: 'INLINE',
      owner: { type: ownerType, name: holder.name },
      grants: grantsOf(document),
    });
  for (const { policyArn } of await attachmentsOf(tx, holder.id)) {
    const document = await loadManagedPolicyDocument(ctx.iam, tx, ctx.caller.account, policyArn);
    if (document === undefined) continue;
    found.push({
      name: parsePolicyArn(policyArn)!.name,
      type: 'MANAGED',
      arn: policyArn,
      grants: grantsOf(document),
    });
  }
  return found;
}

/**
 * The entity an Arn names, authorized for `action` on that ARN first (then NoSuchEntity, as the
 * holders' operations do), with its policies and entities.
 */
async function subjectOf(ctx: OperationContext, tx: StoreTx, arn: string, action: string): Promise<Subject> {
  const { account } = ctx.caller;
  const named = kindOf(arn);
  await check(ctx, tx, action, arn);
  if (named.kind !== 'policy' && named.account !== account) throw noSuchEntity(arn);
  const byName = { account, name_lower: named.name.toLowerCase() };
  if (named.kind === 'user') {
    const user = await tx.find(users, byName);
    if (!user || userArn(user) !== arn) throw noSuchEntity(arn);
    const policies = await holderPolicies(ctx, tx, user, 'USER');
    for (const group of await groupsOfUser(tx, user))
      policies.push(...(await holderPolicies(ctx, tx, group, 'GROUP')));
    return { kind: 'user', policies, entities: [asEntity('USER', user)] };
  }
  if (named.kind === 'role') {
    const role = await tx.find(roles, byName);
    if (!role || roleArn(role) !== arn) throw noSuchEntity(arn);
    return {
      kind: 'role',
      policies: await holderPolicies(ctx, tx, role, 'ROLE'),
      entities: [asEntity('ROLE', role)],
    };
  }
  if (named.kind === 'group') {
    const group = await tx.find(groups, byName);
    if (!group || groupArn(group) !== arn) throw noSuchEntity(arn);
    const members = await membersOf(tx, [group.id]);
    return {
      kind: 'group',
      policies: await holderPolicies(ctx, tx, group, 'GROUP'),
      entities: members.map((u) => asEntity('USER', u)),
    };
  }
  if (named.account !== 'aws' && named.account !== account) throw noSuchEntity(arn);
  const document = await loadManagedPolicyDocument(ctx.iam, tx, account, arn);
  if (document === undefined) throw noSuchEntity(arn);
  const attached = await tx.list(policyAttachments, { where: { account, policy_arn: arn } });
  const ids = (type: string) => attached.filter((a) => a.holderType === type).map((a) => a.holderId);
  const direct = await tx.getMany(users, ids('user'));
  const viaGroups = await membersOf(tx, ids('group'));
  const seen = new Set<string>();
  const holders = [...direct, ...viaGroups].filter((u) => !seen.has(u.id) && seen.add(u.id));
  return {
    kind: 'policy',
    policies: [{ name: named.name, type: 'MANAGED', arn, grants: grantsOf(document) }],
    entities: [
      ...holders.map((u) => asEntity('USER', u)),
      ...(await tx.getMany(roles, ids('role'))).map((r) => asEntity('ROLE', r)),
    ],
  };
}

function membersOf(tx: StoreTx, groupIds: readonly string[]): Promise<UserRecord[]> {
  if (groupIds.length === 0) return Promise.resolve([]);
  return tx.list(users, {
    where: { id: { in: { table: groupMembers, column: 'user_id', where: { group_id: { in: groupIds } } } } },
    orderBy: 'name_lower',
  });
}

/** The report: the services the subject's policies allow, each with its entities' last uses. */
async function makeReport(
  subject: Subject,
  used: readonly ServiceAccessRecord[],
  actionLevel: boolean,
): Promise<LastAccessedService[]> {
  const grants = subject.policies.flatMap((p) => p.grants);
  const index = new Map(subject.entities.map((e, i) => [e.id, i]));
  const byService = new Map<string, ServiceAccessRecord[]>();
  for (const u of used) {
    const list = byService.get(u.service);
    if (list) list.push(u);
    else byService.set(u.service, [u]);
  }
  const services: LastAccessedService[] = [];
  for (const namespace of await servicesGranted(grants)) {
    const rows = byService.get(namespace) ?? [];
    const uses = rows
      .filter((u) => u.action === undefined)
      .map((u) => ({ entity: index.get(u.principalId)!, date: u.date, region: u.region }))
      .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    let actions: LastAccessedService['actions'];
    if (actionLevel && ACTION_LEVEL_SERVICES.has(namespace)) {
      const tracked = [];
      for (const name of await actionsGranted(grants, namespace))
        if (await isTrackedAction(namespace, name)) tracked.push(name);
      actions = tracked.map((name) => {
        const latest = rows
          .filter((u) => u.action?.toLowerCase() === name.toLowerCase())
          .reduce<ServiceAccessRecord | undefined>(
            (best, u) => (!best || u.date > best.date ? u : best),
            undefined,
          );
        return {
          name,
          ...(latest
            ? { use: { entity: index.get(latest.principalId)!, date: latest.date, region: latest.region } }
            : {}),
        };
      });
    }
    services.push({ namespace, name: await serviceName(namespace), uses, ...(actions ? { actions } : {}) });
  }
  return services;
}

/**
 * A report its requester may read: "The JobId returned by GenerateServiceLastAccessedDetail must be
 * used by the same role within a session, or by the same user when used to call
 * GetServiceLastAccessedDetail" (API reference, GenerateServiceLastAccessedDetails). Another
 * caller's JobId is answered as an unknown one, and GetServiceLastAccessedDetailsWithEntities
 * keeps the same rule (both guesses: AWS names no error for it, nor the rule for WithEntities).
 */
function findJob(ctx: OperationContext, tx: StoreTx, jobId: string): Promise<LastAccessedJobRecord> {
  return tx.get(lastAccessedJobs, jobId).then((job) => {
    // A guess at AWS's wording for a JobId that names no report of this account.
    if (!job || job.account !== ctx.caller.account || job.requester !== ctx.caller.userId)
      throw new IamError('NoSuchEntity', `Job ${jobId} not found.`);
    return job;
  });
}

function jobHeader(job: LastAccessedJobRecord): Record<string, unknown> {
  return { JobStatus: job.status, JobCreationDate: job.createdAt, JobCompletionDate: job.completedAt };
}

function serviceOutput(job: LastAccessedJobRecord, service: LastAccessedService): Record<string, unknown> {
  const latest = service.uses[0];
  const entity = (i: number) => job.entities[i]!.arn;
  // "This field is null if there [are] no tracked actions or if the principal did not use the
  // tracked actions within the tracking period" (API reference, ServiceLastAccessed); once one was
  // used, the others allowed are listed with it, unused (a guess).
  const actions = service.actions?.some((a) => a.use) ? service.actions : undefined;
  return {
    ServiceName: service.name,
    ServiceNamespace: service.namespace,
    ...(latest
      ? {
          LastAuthenticated: latest.date,
          LastAuthenticatedEntity: entity(latest.entity),
          LastAuthenticatedRegion: latest.region,
        }
      : {}),
    // 0 for a service no one used, as the IAM API model's example for
    // GetServiceLastAccessedDetails records it.
    TotalAuthenticatedEntities: service.uses.length,
    ...(actions
      ? {
          TrackedActionsLastAccessed: actions.map((a) => ({
            ActionName: a.name,
            ...(a.use
              ? {
                  LastAccessedEntity: entity(a.use.entity),
                  LastAccessedTime: a.use.date,
                  LastAccessedRegion: a.use.region,
                }
              : {}),
          })),
        }
      : {}),
  };
}

/** Makes and keeps a report (the domain's side of GenerateServiceLastAccessedDetails). */
export async function generateLastAccessedReport(
  ctx: OperationContext,
  arn: string,
  granularity: LastAccessedJobRecord['granularity'],
): Promise<LastAccessedJobRecord> {
  // This node's noted uses first, so its own report is never behind.
  await flushServiceUses(ctx.iam);
  const createdAt = isoNow(ctx);
  const { subject, used } = await ctx.iam.store.read(async (tx) => {
    const subject = await subjectOf(ctx, tx, arn, 'iam:GenerateServiceLastAccessedDetails');
    const ids = subject.entities.map((e) => e.id);
    const recorded =
      ids.length === 0 ? [] : await tx.list(serviceAccesses, { where: { principal_id: { in: ids } } });
    const since = ctx.iam.now().getTime() - TRACKING_PERIOD_MS;
    return { subject, used: recorded.filter((u) => Date.parse(u.date) >= since) };
  });
  const job: LastAccessedJobRecord = {
    id: newTimeOrderedId(ctx.iam.now().getTime()),
    account: ctx.caller.account,
    requester: ctx.caller.userId,
    arn,
    granularity,
    status: 'COMPLETED',
    createdAt,
    completedAt: isoNow(ctx),
    entities: subject.entities,
    services: await makeReport(subject, used, granularity === 'ACTION_LEVEL'),
  };
  await ctx.iam.store.write(async (tx) => {
    await tx.insert(lastAccessedJobs, job);
    // The account's oldest reports first (JobIds are time-ordered UUIDs): a few expired ones go
    // with each new one, so they never pile up and no call does much.
    const cutoff = new Date(ctx.iam.now().getTime() - REPORT_KEPT_MS).toISOString();
    for (const old of await tx.list(lastAccessedJobs, { where: { account: ctx.caller.account }, limit: 10 }))
      if (old.createdAt < cutoff) await tx.delete(lastAccessedJobs, old.id);
  });
  return job;
}

/** A kept report, authorized (iam:GetServiceLastAccessedDetails has no resource type: "*"). */
export function readLastAccessedReport(ctx: OperationContext, jobId: string): Promise<LastAccessedJobRecord> {
  return ctx.iam.store.read(async (tx) => {
    await check(ctx, tx, 'iam:GetServiceLastAccessedDetails', '*');
    return findJob(ctx, tx, jobId);
  });
}

function granularityOf(input: Input): LastAccessedJobRecord['granularity'] {
  return str(input, 'Granularity') === 'ACTION_LEVEL' ? 'ACTION_LEVEL' : 'SERVICE_LEVEL';
}

export const serviceLastAccessedOperations: Record<string, Operation> = {
  async GenerateServiceLastAccessedDetails(ctx, input) {
    const job = await generateLastAccessedReport(ctx, requiredStr(input, 'Arn'), granularityOf(input));
    return { JobId: job.id };
  },

  async GetServiceLastAccessedDetails(ctx, input) {
    const job = await readLastAccessedReport(ctx, requiredStr(input, 'JobId'));
    // "By default, the list is sorted by service namespace"; MaxItems defaults to 100 (API
    // reference, GetServiceLastAccessedDetails).
    const page = pageOf(job.services, (s) => s.namespace, input);
    return {
      ...jobHeader(job),
      JobType: job.granularity,
      ...pageOutput('ServicesLastAccessed', page, (s) => serviceOutput(job, s)),
    };
  },

  async GetServiceLastAccessedDetailsWithEntities(ctx, input) {
    const namespace = requiredStr(input, 'ServiceNamespace');
    const job = await ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:GetServiceLastAccessedDetailsWithEntities', '*');
      return findJob(ctx, tx, requiredStr(input, 'JobId'));
    });
    const service = job.services.find((s) => s.namespace === namespace);
    // Every entity the report counts, those that used the service first, most recent first (API
    // reference: "sorted by date, with the most recent access listed first"); for a service the
    // report does not list, none (a guess).
    const used = new Map(service?.uses.map((u) => [u.entity, u.date]));
    const order = [
      ...(service?.uses.map((u) => u.entity) ?? []),
      ...(service ? job.entities.map((_, i) => i).filter((i) => !used.has(i)) : []),
    ];
    const page = pageOf(
      order.map((i, position) => ({ i, key: String(position).padStart(6, '0') })),
      (e) => e.key,
      input,
    );
    return {
      ...jobHeader(job),
      ...pageOutput('EntityDetailsList', page, ({ i }) => {
        const entity = job.entities[i]!;
        const date = used.get(i);
        return {
          EntityInfo: {
            Arn: entity.arn,
            Name: entity.name,
            Type: entity.type,
            Id: entity.id,
            Path: entity.path,
          },
          ...(date ? { LastAuthenticated: date } : {}),
        };
      }),
    };
  },

  async ListPoliciesGrantingServiceAccess(ctx, input) {
    const arn = requiredStr(input, 'Arn');
    const namespaces = (input.ServiceNamespaces as readonly string[] | undefined) ?? [];
    const subject = await ctx.iam.store.read(async (tx) => {
      // The action's resource types are user, group and role (Service Authorization Reference).
      if (kindOf(arn).kind === 'policy') throw invalidArn(arn);
      return subjectOf(ctx, tx, arn, 'iam:ListPoliciesGrantingServiceAccess');
    });
    const entries = [];
    for (const namespace of namespaces) {
      const policies = [];
      for (const policy of subject.policies) {
        if (!(await grantsService(policy.grants, namespace))) continue;
        policies.push({
          PolicyName: policy.name,
          PolicyType: policy.type,
          ...(policy.arn ? { PolicyArn: policy.arn } : {}),
          ...(policy.owner ? { EntityType: policy.owner.type, EntityName: policy.owner.name } : {}),
        });
      }
      entries.push({ ServiceNamespace: namespace, Policies: policies });
    }
    return { PoliciesGrantingServiceAccess: entries, IsTruncated: false };
  },
};
