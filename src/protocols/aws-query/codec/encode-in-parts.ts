// A large response (a simulation of 100 actions × 60 ARNs of 2 KB is 13.5 MB of XML) written as
// encode.ts writes it, but in parts: UTF-8 Buffers of about PART_CHARACTERS each, so that no one
// string of the whole document is ever built, measured or converted (each of those steps alone
// held the event loop for 50-240 ms at that size), and with turns given to other requests
// whenever the encoding has run for TURN_MS. Subtrees of the output that are small are written
// by encode.ts's own Writer; only the large containers above them are walked here. Small outputs
// (nearly every response) never come here: encodeQueryBody writes them in one string at once.
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  findOperation,
  getModel,
  shapeOf,
  type MemberRef,
  type QueryService,
  type ServiceModel,
  type Shape,
} from '../model/index.ts';
import {
  INDENT,
  Writer,
  encodeQueryResponse,
  isRecord,
  listLayout,
  mapEntries,
  own,
  responseHead,
  responseTail,
  resultWrapper,
} from './encode.ts';

/** Outputs estimated larger than this are encoded in parts. */
const LARGE_OUTPUT = 64 * 1024;
/** Subtrees estimated smaller than this are written in one piece by the synchronous Writer. */
const SMALL_SUBTREE = 16 * 1024;
/** Text gathered up to about this many characters becomes one Buffer. */
const PART_CHARACTERS = 64 * 1024;
/** How long the encoding runs before other requests get a turn. */
const TURN_MS = 5;
/** Deeper output than this is not written (as in encode.ts). */
const MAX_DEPTH = 32;

/** An encoded response: one string when small, UTF-8 parts when large. */
export type EncodedBody = string | readonly Buffer[];

/**
 * The response document for an operation's output: at once, as a string, when the output is small;
 * in parts, over as many turns of the event loop as it needs, when it is large.
 */
export function encodeQueryBody(
  service: QueryService,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): string | Promise<readonly Buffer[]> {
  if (output === undefined || sizeLeft(output, LARGE_OUTPUT, 0) >= 0)
    return encodeQueryResponse(service, operation, output, requestId);
  return encodeQueryResponseInParts(service, operation, output, requestId);
}

/** The document encodeQueryResponse writes, as UTF-8 parts, yielding to other work every TURN_MS. */
export async function encodeQueryResponseInParts(
  service: QueryService,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): Promise<readonly Buffer[]> {
  const model = getModel(service);
  const op = findOperation(model, operation);
  if (op === undefined) throw new Error(`${service} has no operation ${operation}`);
  const parts = new Parts();
  parts.write(responseHead(model, op.name));
  if (op.output !== undefined) {
    const writer = new PartsWriter(model, parts);
    await writer.structure(resultWrapper(op), shapeOf(model, op.output.shape), output ?? {}, 0, INDENT);
  }
  parts.write(responseTail(op.name, requestId));
  return parts.finish();
}

/**
 * What is left of `budget` (characters, roughly) once `value` is written; negative as soon as it
 * runs out, without looking further. An estimate, only to choose how to encode: every string
 * counts its length, every value a tag's worth.
 */
function sizeLeft(value: unknown, budget: number, depth: number): number {
  if (typeof value === 'string') return budget - value.length - 16;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return budget - 16;
  if (value instanceof Uint8Array) return budget - value.byteLength * 2;
  if (value instanceof Date) return budget - 32;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && budget >= 0; i++) budget = sizeLeft(value[i], budget - 16, depth + 1);
    return budget;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      budget = sizeLeft(v, sizeLeft(k, budget, depth + 1), depth + 1);
      if (budget < 0) return budget;
    }
    return budget;
  }
  for (const key in value) {
    budget = sizeLeft((value as Record<string, unknown>)[key], budget - 2 * key.length, depth + 1);
    if (budget < 0) return budget;
  }
  return budget;
}

/**
 * The document's text gathered into Buffers. An element is opened lazily: its start tag waits
 * until something is written inside it, so that an element left empty is written `<name/>`, as
 * encode.ts writes it.
 */
class Parts {
  private readonly buffers: Buffer[] = [];
  private text = '';
  private readonly pending: string[] = [];

  write(text: string): void {
    if (text === '') return;
    if (this.pending.length > 0) {
      this.text += this.pending.join('');
      this.pending.length = 0;
    }
    this.text += text;
    if (this.text.length >= PART_CHARACTERS) {
      this.buffers.push(Buffer.from(this.text, 'utf8'));
      this.text = '';
    }
  }

  open(name: string, pad: string): void {
    this.pending.push(`${pad}<${name}>\n`);
  }

  close(name: string, pad: string): void {
    // Elements nest: a start tag still pending when its element closes is the innermost one, its own.
    if (this.pending.length > 0) {
      this.pending.pop();
      this.write(`${pad}<${name}/>\n`);
    } else this.write(`${pad}</${name}>\n`);
  }

  finish(): Buffer[] {
    if (this.text !== '') this.buffers.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
    return this.buffers;
  }
}

/** encode.ts's Writer over large containers: the same elements, written into Parts between turns. */
class PartsWriter {
  private readonly writer: Writer;
  private since = performance.now();

  constructor(
    private readonly model: ServiceModel,
    private readonly parts: Parts,
  ) {
    this.writer = new Writer(model);
  }

  async structure(
    name: string,
    shape: Shape,
    value: Record<string, unknown>,
    depth: number,
    pad: string,
  ): Promise<void> {
    if (sizeLeft(value, SMALL_SUBTREE, depth) >= 0) {
      this.parts.write(this.writer.structure(name, shape, value, depth, pad));
      return this.turn();
    }
    this.parts.open(name, pad);
    for (const memberName in shape.members) {
      const ref = shape.members[memberName]!;
      const memberValue = own(value, memberName);
      if (memberValue === undefined || memberValue === null) continue;
      await this.value(ref.locationName ?? memberName, ref, memberValue, depth + 1, pad + INDENT);
    }
    this.parts.close(name, pad);
  }

  private async value(
    name: string,
    ref: MemberRef,
    value: unknown,
    depth: number,
    pad: string,
  ): Promise<void> {
    const shape = shapeOf(this.model, ref.shape);
    if (depth > MAX_DEPTH || sizeLeft(value, SMALL_SUBTREE, depth) >= 0) {
      this.parts.write(this.writer.value(name, ref, value, depth, pad));
      return this.turn();
    }
    if (shape.type === 'structure' && isRecord(value)) return this.structure(name, shape, value, depth, pad);
    if (shape.type === 'list') return this.list(name, shape, value, depth, pad);
    if (shape.type === 'map') return this.map(name, shape, value, depth, pad);
    this.parts.write(this.writer.value(name, ref, value, depth, pad));
    return this.turn();
  }

  private async list(name: string, shape: Shape, value: unknown, depth: number, pad: string): Promise<void> {
    const layout = listLayout(name, shape, pad);
    if (!Array.isArray(value) || layout === undefined) return;
    if (!layout.flattened) this.parts.open(name, pad);
    for (const item of value) {
      if (item === undefined || item === null) continue;
      await this.value(layout.itemName, layout.member, item, depth + 1, layout.itemPad);
    }
    if (!layout.flattened) this.parts.close(name, pad);
  }

  private async map(name: string, shape: Shape, value: unknown, depth: number, pad: string): Promise<void> {
    const entries = shape.key && shape.value ? mapEntries(value) : undefined;
    if (entries === undefined) return;
    const entryPad = shape.flattened ? pad : pad + INDENT;
    if (!shape.flattened) this.parts.open(name, pad);
    for (const [k, v] of entries) {
      if (v === undefined || v === null) continue;
      // An entry's value may be large (a list); written whole, as one entry is rarely much.
      this.parts.write(this.writer.mapEntry(name, shape, k, v, depth, entryPad));
      await this.turn();
    }
    if (!shape.flattened) this.parts.close(name, pad);
  }

  /** Gives other requests a turn when this one has had TURN_MS. */
  private async turn(): Promise<void> {
    if (performance.now() - this.since < TURN_MS) return;
    await nextTurn();
    this.since = performance.now();
  }
}
