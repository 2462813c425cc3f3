// Encodes IAM and STS responses as AWS Query XML, driven by the operation's output shape:
//
//   <CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//     <CreateUserResult>
//       <User>...</User>
//     </CreateUserResult>
//     <ResponseMetadata>
//       <RequestId>...</RequestId>
//     </ResponseMetadata>
//   </CreateUserResponse>
//
// Layout, indentation and the error document follow responses recorded from real STS (see the
// STS wire probe cited in validate.ts). Members are written in model order under their
// locationName; lists as <member> elements (or flattened), maps as <entry><key/><value/></entry>,
// timestamps as ISO 8601 in whole seconds (2026-11-23T12:00:00Z), booleans as true/false, blobs as
// base64. Values that do not fit their shape are left out rather than guessed at.
//
// Error documents use the service's namespace, except InvalidAction, which AWS answers from its
// generic front end with the AWSFault namespace.

import {
  findOperation,
  getModel,
  shapeOf,
  type MemberRef,
  type QueryService,
  type ServiceModel,
  type Shape,
} from '../model/index.ts';
import { errorTypeFor } from './error-codes.ts';
import { escapeText } from './xml.ts';

const AWS_FAULT_NAMESPACE = 'http://webservices.amazon.com/AWSFault/2005-15-09';

/** Deeper output than this is not written (the models are at most a few levels deep). */
const MAX_DEPTH = 32;

export function encodeQueryResponse(
  service: QueryService,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const model = getModel(service);
  const op = findOperation(model, operation);
  if (op === undefined) throw new Error(`${service} has no operation ${operation}`);
  let xml = responseHead(model, op.name);
  if (op.output !== undefined) {
    const writer = new Writer(model);
    xml += writer.structure(resultWrapper(op), shapeOf(model, op.output.shape), output ?? {}, 0, '  ');
  }
  return xml + responseTail(op.name, requestId);
}

/** The response document's opening line. */
export function responseHead(model: ServiceModel, operation: string): string {
  return `<${operation}Response xmlns="${escapeText(model.metadata.xmlNamespace ?? '')}">\n`;
}

/** The element that holds an operation's output. */
export function resultWrapper(op: {
  readonly name: string;
  readonly output?: { resultWrapper?: string };
}): string {
  return op.output?.resultWrapper ?? `${op.name}Result`;
}

/** ResponseMetadata and the document's closing line. */
export function responseTail(operation: string, requestId: string): string {
  return (
    '  <ResponseMetadata>\n' +
    `    <RequestId>${escapeText(requestId)}</RequestId>\n` +
    '  </ResponseMetadata>\n' +
    `</${operation}Response>\n`
  );
}

export function encodeQueryError(
  service: QueryService,
  error: { code: string; message: string; type?: 'Sender' | 'Receiver' },
  requestId: string,
): string {
  const namespace =
    error.code === 'InvalidAction' ? AWS_FAULT_NAMESPACE : (getModel(service).metadata.xmlNamespace ?? '');
  const lines = [
    `<ErrorResponse xmlns="${escapeText(namespace)}">`,
    '  <Error>',
    `    <Type>${error.type ?? errorTypeFor(service, error.code)}</Type>`,
    `    <Code>${escapeText(error.code)}</Code>`,
  ];
  // AWS leaves <Message> out when there is none (ReportNotPresent, MalformedInput).
  if (error.message !== '') lines.push(`    <Message>${escapeText(error.message)}</Message>`);
  lines.push('  </Error>', `  <RequestId>${escapeText(requestId)}</RequestId>`, '</ErrorResponse>');
  return lines.join('\n') + '\n';
}

export const INDENT = '  ';

/** `<name>` lines around `children` (already indented one level deeper), or `<name/>` when empty. */
function element(name: string, children: string, pad: string): string {
  return children === '' ? `${pad}<${name}/>\n` : `${pad}<${name}>\n${children}${pad}</${name}>\n`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Writes values as lines of XML text, each starting with `pad` (two spaces per level). */
export class Writer {
  constructor(private readonly model: ServiceModel) {}

  structure(name: string, shape: Shape, value: Record<string, unknown>, depth: number, pad: string): string {
    let children = '';
    const inner = pad + INDENT;
    for (const memberName in shape.members) {
      const ref = shape.members[memberName]!;
      const memberValue = own(value, memberName);
      if (memberValue === undefined || memberValue === null) continue;
      children += this.value(ref.locationName ?? memberName, ref, memberValue, depth + 1, inner);
    }
    return element(name, children, pad);
  }

  value(name: string, ref: MemberRef, value: unknown, depth: number, pad: string): string {
    if (depth > MAX_DEPTH) return '';
    const shape = shapeOf(this.model, ref.shape);
    switch (shape.type) {
      case 'structure':
        return isRecord(value) ? this.structure(name, shape, value, depth, pad) : '';
      case 'list':
        return this.list(name, shape, value, depth, pad);
      case 'map':
        return this.map(name, shape, value, depth, pad);
      default: {
        const text = scalarText(shape, ref, value);
        return text === undefined ? '' : `${pad}<${name}>${escapeText(text)}</${name}>\n`;
      }
    }
  }

  private list(name: string, shape: Shape, value: unknown, depth: number, pad: string): string {
    const layout = listLayout(name, shape, pad);
    if (!Array.isArray(value) || layout === undefined) return '';
    let items = '';
    for (const item of value) {
      if (item === undefined || item === null) continue;
      items += this.value(layout.itemName, layout.member, item, depth + 1, layout.itemPad);
    }
    return layout.flattened ? items : element(name, items, pad);
  }

  private map(name: string, shape: Shape, value: unknown, depth: number, pad: string): string {
    if (shape.key === undefined || shape.value === undefined) return '';
    const entries = mapEntries(value);
    if (entries === undefined) return '';
    const entryPad = shape.flattened ? pad : pad + INDENT;
    let out = '';
    for (const [k, v] of entries) {
      if (v === undefined || v === null) continue;
      out += this.mapEntry(name, shape, k, v, depth, entryPad);
    }
    return shape.flattened ? out : element(name, out, pad);
  }

  /** One `<entry>` of a map (or one flattened element), at `entryPad`. */
  mapEntry(
    name: string,
    shape: Shape,
    key: unknown,
    value: unknown,
    depth: number,
    entryPad: string,
  ): string {
    const pairPad = entryPad + INDENT;
    const pair =
      this.value(shape.key!.locationName ?? 'key', shape.key!, key, depth + 1, pairPad) +
      this.value(shape.value!.locationName ?? 'value', shape.value!, value, depth + 1, pairPad);
    return element(shape.flattened ? name : 'entry', pair, entryPad);
  }
}

/** How a list's members are written: their element name and indentation, or flattened in place. */
export function listLayout(
  name: string,
  shape: Shape,
  pad: string,
): { member: MemberRef; itemName: string; itemPad: string; flattened: boolean } | undefined {
  const member = shape.member;
  if (member === undefined) return undefined;
  const flattened = shape.flattened === true || member.flattened === true;
  return {
    member,
    itemName: flattened ? (member.locationName ?? name) : (member.locationName ?? 'member'),
    itemPad: flattened ? pad : pad + INDENT,
    flattened,
  };
}

/** A map value's entries: a Map's, or a record's own. */
export function mapEntries(value: unknown): [unknown, unknown][] | undefined {
  if (value instanceof Map) return [...value.entries()];
  if (isRecord(value)) return Object.entries(value);
  return undefined;
}

function scalarText(shape: Shape, ref: MemberRef, value: unknown): string | undefined {
  switch (shape.type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : undefined;
    case 'integer':
    case 'long':
      if (typeof value === 'bigint') return String(value);
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return value;
      return undefined;
    case 'float':
    case 'double':
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      if (value === 'true' || value === 'false') return value;
      return undefined;
    case 'timestamp':
      return timestampText(value, ref.timestampFormat ?? shape.timestampFormat);
    case 'blob':
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
      return undefined;
    default:
      return undefined;
  }
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A Date, an ISO 8601 string or epoch milliseconds, in the shape's format (ISO 8601 by default). */
function timestampText(value: unknown, format: string | undefined): string | undefined {
  // The domain keeps times as ISO 8601 text in whole seconds: already the default form.
  if (format === undefined && typeof value === 'string' && ISO_SECONDS.test(value)) return value;
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string' || typeof value === 'number') date = new Date(value);
  else return undefined;
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  if (format === 'unixTimestamp') return String(ms / 1000);
  if (format === 'rfc822') return date.toUTCString();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
