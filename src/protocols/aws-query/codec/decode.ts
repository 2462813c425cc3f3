// Decodes an AWS Query request (the form or query-string parameters of an IAM or STS call) into
// the operation name and its input, in AWS's PascalCase member names, driven by the API model.
//
// Wire rules (model-driven, as the AWS SDKs write them):
//   scalars      UserName=bob
//   lists        Tags.member.1.Key=k  (1-based; the element name is the member's locationName,
//                "member" by default; flattened lists have no element name); "Tags=" is []
//   maps         Name.entry.1.key=k&Name.entry.1.value=v  (flattened: Name.1.key)
//   structures   Name.Member=...
//
// Behaviour copied from AWS (STS wire probe against real AWS, see validate.ts for the source):
//   - no Action: MissingAction (real AWS answers 302 to https://aws.amazon.com/iam instead);
//   - unknown Action or a Version other than the model's: InvalidAction, 400,
//     "Could not find operation <Action> for version <Version|NO_VERSION_SPECIFIED>";
//   - a repeated parameter: the first value counts;
//   - unknown parameters are ignored;
//   - an integer that is not one (or overflows 32 bits): MalformedInput, 400, no message; an empty
//     one: MalformedInput "missing value for decimal type"; "+900" and "0900" are 900;
//   - list elements are read from index 1 up to the first missing index (as LocalStack does).
//
// Every input ends in a DecodeResult; nothing here throws. Parameter names are split into a tree
// of Maps (so "__proto__" or "constructor" are just names), only names the model can reach are
// read, and list lengths are bounded by the model's maximum (or UNBOUNDED_LIST_LIMIT).

import {
  findOperation,
  getModel,
  shapeOf,
  type QueryService,
  type ServiceModel,
  type Shape,
} from '../model/index.ts';
import { INTERNAL_FAILURE_MESSAGE } from './error-codes.ts';
import { serviceValidation, UNBOUNDED_LIST_LIMIT, validateInput, validationMessage } from './validate.ts';

export type DecodeResult =
  | { ok: true; operation: string; input: Record<string, unknown> }
  | { ok: false; error: { code: string; message: string; status: number } };

/** Parameter names longer than this, or with more dot-separated parts, cannot name any member. */
const MAX_NAME_LENGTH = 1024;
const MAX_NAME_PARTS = 32;

interface ParamNode {
  value?: string;
  children?: Map<string, ParamNode>;
}

class Malformed extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

function fail(code: string, message: string, status = 400): DecodeResult {
  return { ok: false, error: { code, message, status } };
}

export function decodeQueryRequest(service: QueryService, params: URLSearchParams): DecodeResult {
  try {
    return decode(service, params);
  } catch {
    // Unreachable by design; a bug must still end in an answer, and never with its own text.
    return fail('InternalFailure', INTERNAL_FAILURE_MESSAGE, 500);
  }
}

function decode(service: QueryService, params: URLSearchParams): DecodeResult {
  const model = getModel(service);
  const action = params.get('Action');
  if (action === null) return fail('MissingAction', 'Missing Action');
  const version = params.get('Version');
  const operation = findOperation(model, action);
  if (version !== model.metadata.apiVersion || operation === undefined) {
    return fail(
      'InvalidAction',
      `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }
  if (operation.input === undefined) return { ok: true, operation: action, input: {} };

  const tree = buildTree(params);
  let input: Record<string, unknown>;
  try {
    input = new Reader(model).structure(shapeOf(model, operation.input.shape), tree);
  } catch (e) {
    if (e instanceof Malformed) return fail('MalformedInput', e.detail);
    throw e;
  }
  const errors = validateInput(model, service, operation.input.shape, input);
  if (errors.length > 0) return fail('ValidationError', validationMessage(errors));
  const refused = serviceValidation(model, service, operation.input.shape, input);
  if (refused !== undefined) return fail('ValidationError', refused);
  return { ok: true, operation: action, input };
}

function buildTree(params: URLSearchParams): ParamNode {
  const root: ParamNode = {};
  for (const [name, value] of params) {
    if (name.length > MAX_NAME_LENGTH) continue;
    const parts = name.split('.');
    if (parts.length > MAX_NAME_PARTS) continue;
    let node = root;
    for (const part of parts) {
      node.children ??= new Map();
      let child = node.children.get(part);
      if (child === undefined) {
        child = {};
        node.children.set(part, child);
      }
      node = child;
    }
    if (node.value === undefined) node.value = value; // the first of repeated parameters counts
  }
  return root;
}

class Reader {
  constructor(private readonly model: ServiceModel) {}

  structure(shape: Shape, node: ParamNode): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const child = node.children?.get(ref.locationName ?? name);
      if (child === undefined) continue;
      const value = this.read(shapeOf(this.model, ref.shape), child);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  /** The decoded value, or undefined when the node does not hold one of this shape. */
  private read(shape: Shape, node: ParamNode): unknown {
    switch (shape.type) {
      case 'structure':
        return this.structure(shape, node);
      case 'list':
        return this.list(shape, node);
      case 'map':
        return this.map(shape, node);
      default:
        return node.value === undefined ? undefined : parseScalar(shape, node.value);
    }
  }

  private list(shape: Shape, node: ParamNode): unknown[] | undefined {
    const member = shape.member;
    if (member === undefined) return undefined;
    const elements = shape.flattened ? node : node.children?.get(member.locationName ?? 'member');
    const memberShape = shapeOf(this.model, member.shape);
    const limit = (shape.max ?? UNBOUNDED_LIST_LIMIT) + 1; // one more than allowed, so the excess is reported
    const items: unknown[] = [];
    for (let i = 1; elements?.children !== undefined && items.length < limit; i++) {
      const child = elements.children.get(String(i));
      if (child === undefined) break;
      const value = this.read(memberShape, child);
      if (value === undefined) break;
      items.push(value);
    }
    if (items.length > 0 || node.value !== undefined) return items; // "Tags=" is the empty list
    return undefined;
  }

  private map(shape: Shape, node: ParamNode): Record<string, unknown> | undefined {
    const keyRef = shape.key;
    const valueRef = shape.value;
    if (keyRef === undefined || valueRef === undefined) return undefined;
    const entries = shape.flattened ? node : node.children?.get('entry');
    const keyShape = shapeOf(this.model, keyRef.shape);
    const valueShape = shapeOf(this.model, valueRef.shape);
    const limit = (shape.max ?? UNBOUNDED_LIST_LIMIT) + 1;
    const out = new Map<string, unknown>();
    for (let i = 1; entries?.children !== undefined && out.size < limit; i++) {
      const entry = entries.children.get(String(i));
      if (entry === undefined) break;
      const keyNode = entry.children?.get(keyRef.locationName ?? 'key');
      const valueNode = entry.children?.get(valueRef.locationName ?? 'value');
      if (keyNode?.value === undefined || valueNode === undefined) break;
      const key = parseScalar(keyShape, keyNode.value);
      const value = this.read(valueShape, valueNode);
      if (value === undefined) break;
      if (!out.has(String(key))) out.set(String(key), value);
    }
    if (out.size > 0 || node.value !== undefined) return Object.fromEntries(out); // own data properties only
    return undefined;
  }
}

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const INT32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;

function parseScalar(shape: Shape, raw: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (raw === '') throw new Malformed('missing value for decimal type');
      if (!INTEGER.test(raw) || raw.length > 40) throw new Malformed('');
      const n = BigInt(raw);
      const [lo, hi] = shape.type === 'integer' ? INT32 : INT64;
      if (n < lo || n > hi) throw new Malformed('');
      return Number(n);
    }
    case 'float':
    case 'double': {
      if (raw === '') throw new Malformed('missing value for decimal type');
      if (!DECIMAL.test(raw) || raw.length > 400) throw new Malformed('');
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Malformed('');
      return n;
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw new Malformed('');
    }
    case 'timestamp': {
      if (!ISO_8601.test(raw)) throw new Malformed('');
      const date = new Date(raw);
      if (Number.isNaN(date.getTime())) throw new Malformed('');
      return date;
    }
    case 'blob': {
      if (!BASE64.test(raw)) throw new Malformed('');
      return new Uint8Array(Buffer.from(raw, 'base64'));
    }
    default:
      return raw;
  }
}
