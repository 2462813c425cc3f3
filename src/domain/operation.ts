// The shape every domain operation has: AWS-shaped input (member names as in AWS's API model,
// already checked against the model's constraints by the protocol) in, AWS-shaped output out.
// The protocols and the console call the same operations, so each behaviour is defined once.
import type { ContextValue } from '../policy/index.ts';
import type { Caller } from './caller.ts';
import type { Iam } from './iam.ts';
import type { Query, StoreTx, Table } from './store.ts';
import { authorize } from './authorize.ts';
import { IamError } from './errors.ts';
import type { Tag } from './records.ts';

export type Input = Readonly<Record<string, unknown>>;
export type Output = Record<string, unknown> | undefined;

export interface OperationContext {
  readonly iam: Iam;
  readonly caller: Caller;
}

export type Operation = (ctx: OperationContext, input: Input) => Promise<Output>;

/**
 * What an operation called without a signature knows (AssumeRoleWithWebIdentity and
 * AssumeRoleWithSAML): no caller, only the request's own context keys (source IP, transport, time).
 */
export interface UnsignedContext {
  readonly iam: Iam;
  readonly requestContext: Readonly<Record<string, ContextValue>>;
}

export type UnsignedOperation = (ctx: UnsignedContext, input: Input) => Promise<Output>;

/**
 * A write transaction about the caller's account: writers of one account take turns across the
 * nodes of a deployment instead of racing (Store.write's `account`).
 */
export function writeTx<T>(ctx: OperationContext, work: (tx: StoreTx) => Promise<T>): Promise<T> {
  return ctx.iam.store.write(work, { account: ctx.caller.account });
}

/** Authorizes inside the transaction that will then act, so both see the same state. */
export function check(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  resource: string,
  context?: Readonly<Record<string, ContextValue>>,
): Promise<void> {
  return authorize(ctx.iam, tx, ctx.caller, { action, resource, context });
}

export function str(input: Input, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredStr(input: Input, name: string): string {
  const value = str(input, name);
  // The protocol's model validation rejects missing required members first; this guards other callers.
  if (value === undefined) {
    throw new IamError(
      'ValidationError',
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function isoNow(ctx: OperationContext): string {
  return ctx.iam
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

// ---- tags

export function tagsOf(input: Input, name = 'Tags'): Tag[] {
  const tags = (input[name] as readonly Tag[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const lower = tag.Key.toLowerCase();
    if (seen.has(lower))
      throw new IamError(
        'InvalidInput',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    seen.add(lower);
  }
  return tags.map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
}

/** aws:RequestTag/<key> and aws:TagKeys for a request that sets tags. */
export function requestTagContext(tags: readonly Tag[]): Record<string, ContextValue> {
  if (tags.length === 0) return {};
  const context: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key) };
  for (const tag of tags) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
  return context;
}

/** aws:ResourceTag/<key> for a request on a tagged resource. */
export function resourceTagContext(tags: readonly Tag[] | undefined): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const tag of tags ?? []) context[`aws:ResourceTag/${tag.Key}`] = tag.Value;
  return context;
}

/**
 * Tags per resource. Past it, AWS's LimitExceeded "The number of tags has reached the maximum
 * limit.", recorded against AWS in LocalStack's snapshot
 * https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_oidc.snapshot.json
 */
export const MAX_TAGS = 50;

/** Merges new tags over old ones (keys compare without case), enforcing the 50-tag quota. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = existing.filter((t) => !added.some((a) => a.Key.toLowerCase() === t.Key.toLowerCase()));
  merged.push(...added);
  if (merged.length > MAX_TAGS)
    throw new IamError('LimitExceeded', 'The number of tags has reached the maximum limit.');
  return merged;
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  return existing.filter((t) => !lower.has(t.Key.toLowerCase()));
}

// ---- pagination: Marker is an opaque continuation (the last key returned), MaxItems 1–1000

export interface Page<T> {
  readonly items: T[];
  readonly isTruncated: boolean;
  readonly marker: string | undefined;
}

export function pageRequest(input: Input): { after: string | undefined; maxItems: number } {
  const marker = str(input, 'Marker');
  const maxItems = typeof input.MaxItems === 'number' ? input.MaxItems : 100;
  return { after: marker === undefined ? undefined : decodeMarker(marker), maxItems };
}

export function encodeMarker(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  const decoded = Buffer.from(marker, 'base64url').toString('utf8');
  if (!decoded || encodeMarker(decoded) !== marker) throw new IamError('ValidationError', 'Invalid Marker.');
  return decoded;
}

/**
 * One page of a table's rows in the order of `query.orderBy` (a unique column), the Marker holding
 * the last value returned: the database selects, orders and limits.
 */
export async function listPage<T>(
  tx: StoreTx,
  table: Table<T>,
  input: Input,
  query: Query & { readonly orderBy: string },
): Promise<Page<T>> {
  const { after, maxItems } = pageRequest(input);
  const rows = await tx.list(table, { ...query, after, limit: maxItems + 1 });
  const isTruncated = rows.length > maxItems;
  const items = rows.slice(0, maxItems);
  const last = items[items.length - 1];
  return {
    items,
    isTruncated,
    marker:
      isTruncated && last !== undefined
        ? encodeMarker(String(table.columns[query.orderBy]!(last)))
        : undefined,
  };
}

/** Pages through an in-memory list sorted by `keyOf`; the Marker holds the last key returned. */
export function pageOf<T>(all: readonly T[], keyOf: (item: T) => string, input: Input): Page<T> {
  const { after, maxItems } = pageRequest(input);
  const start = after === undefined ? 0 : all.findIndex((item) => keyOf(item) > after);
  const rest = start < 0 ? [] : all.slice(start);
  const items = rest.slice(0, maxItems);
  const isTruncated = rest.length > maxItems;
  return {
    items,
    isTruncated,
    marker: isTruncated ? encodeMarker(keyOf(items[items.length - 1]!)) : undefined,
  };
}

/**
 * Pages through an in-memory list kept in its own order (tags, versions newest first, access
 * keys): the Marker names the last item returned, so an item removed between pages skips nothing.
 */
export function positionalPage<T>(all: readonly T[], keyOf: (item: T) => string, input: Input): Page<T> {
  const { after, maxItems } = pageRequest(input);
  let start = 0;
  if (after !== undefined) {
    const index = all.findIndex((item) => keyOf(item) === after);
    start = index < 0 ? all.length : index + 1;
  }
  const rest = all.slice(start);
  const items = rest.slice(0, maxItems);
  const isTruncated = rest.length > maxItems;
  return {
    items,
    isTruncated,
    marker: isTruncated ? encodeMarker(keyOf(items[items.length - 1]!)) : undefined,
  };
}

export function pageOutput<T>(
  name: string,
  page: Page<T>,
  map: (item: T) => unknown,
): Record<string, unknown> {
  return {
    [name]: page.items.map(map),
    IsTruncated: page.isTruncated,
    ...(page.marker ? { Marker: page.marker } : {}),
  };
}

/**
 * Tag<Noun>, Untag<Noun> and List<Noun>Tags: the same for every taggable entity but for how the
 * entity is named in the input, found (and authorized, with its own tags as aws:ResourceTag) and
 * saved. Tagging passes aws:RequestTag/* and aws:TagKeys; untagging aws:TagKeys; tags list in
 * the order they were set.
 */
export function tagOperations<T extends { tags: Tag[] }>(spec: {
  readonly noun: string;
  /** Finds the entity named in `input`, authorizes `action` on it with `context`, or throws. */
  readonly load: (
    ctx: OperationContext,
    tx: StoreTx,
    action: string,
    input: Input,
    context: Readonly<Record<string, ContextValue>>,
  ) => Promise<T>;
  readonly table: Table<T>;
}): Record<string, Operation> {
  const { noun, load, table } = spec;
  return {
    async [`Tag${noun}`](ctx, input) {
      const tags = tagsOf(input);
      return writeTx(ctx, async (tx) => {
        const entity = await load(ctx, tx, `iam:Tag${noun}`, input, requestTagContext(tags));
        entity.tags = mergeTags(entity.tags, tags);
        await tx.update(table, entity);
        return undefined;
      });
    },
    async [`Untag${noun}`](ctx, input) {
      const tagKeys = (input.TagKeys as string[] | undefined) ?? [];
      return writeTx(ctx, async (tx) => {
        const entity = await load(ctx, tx, `iam:Untag${noun}`, input, { 'aws:TagKeys': tagKeys });
        entity.tags = removeTags(entity.tags, tagKeys);
        await tx.update(table, entity);
        return undefined;
      });
    },
    async [`List${noun}Tags`](ctx, input) {
      return ctx.iam.store.read(async (tx) => {
        const entity = await load(ctx, tx, `iam:List${noun}Tags`, input, {});
        return pageOutput(
          'Tags',
          positionalPage(entity.tags, (tag) => tag.Key, input),
          (tag) => tag,
        );
      });
    },
  };
}
