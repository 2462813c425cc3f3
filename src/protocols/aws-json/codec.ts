// The JSON 1.1 protocol's body, decoded and checked against AWS's model (types, required members,
// enums, lengths, ranges) and encoded back (timestamps as epoch seconds, as the SDKs expect).
import type { MemberRef, ServiceModel, Shape } from '../aws-query/model/index.ts';

export class JsonValidationError extends Error {
  constructor(
    message: string,
    /** What failed, in Organizations' InvalidInputException reasons (INPUT_REQUIRED, INVALID_ENUM, …). */
    readonly reason = 'INVALID_INPUT',
  ) {
    super(message);
  }
}

const MAX_DEPTH = 16;

export function decodeJsonInput(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
): Record<string, unknown> {
  if (value === undefined || value === null) value = {};
  return decode(model, shapeName, value, lowerFirstPath(shapeName), 0) as Record<string, unknown>;
}

function decode(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  path: string,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new JsonValidationError(`The request nests too deeply at '${path}'.`);
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw typeError(path, 'an object');
      const out: Record<string, unknown> = {};
      const members = shape.members ?? {};
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        if (!Object.hasOwn(members, name) || member === null) continue;
        out[name] = decode(
          model,
          (members[name] as MemberRef).shape,
          member,
          lowerFirstPath(name),
          depth + 1,
        );
      }
      for (const name of shape.required ?? []) {
        if (out[name] === undefined)
          throw failed(`null`, lowerFirstPath(name), 'Member must not be null', 'INPUT_REQUIRED');
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) throw typeError(path, 'a list');
      checkLength(shape, value.length, path, value);
      return value.map((item, i) =>
        decode(model, shape.member!.shape, item, `${path}.${i + 1}.member`, depth + 1),
      );
    }
    case 'string': {
      if (typeof value !== 'string') throw typeError(path, 'a string');
      if (shape.enum && !shape.enum.includes(value))
        throw failed(
          value,
          path,
          `Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
          'INVALID_ENUM',
        );
      // A sensitive member's value (Organizations' Email, AccountName) is never echoed back.
      checkLength(shape, [...value].length, path, shape.sensitive ? '***' : value);
      return value;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(path, 'an integer');
      if (shape.min !== undefined && value < shape.min)
        throw failed(
          value,
          path,
          `Member must have value greater than or equal to ${shape.min}`,
          'MIN_VALUE_EXCEEDED',
        );
      if (shape.max !== undefined && value > shape.max)
        throw failed(
          value,
          path,
          `Member must have value less than or equal to ${shape.max}`,
          'MAX_VALUE_EXCEEDED',
        );
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(path, 'a boolean');
      return value;
    case 'timestamp': {
      const ms =
        typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw typeError(path, 'a timestamp');
      return new Date(ms);
    }
    default:
      throw new JsonValidationError(`Unsupported member at '${path}'.`);
  }
}

function checkLength(shape: Shape, length: number, path: string, value: unknown): void {
  if (shape.min !== undefined && length < shape.min)
    throw failed(
      value,
      path,
      `Member must have length greater than or equal to ${shape.min}`,
      'MIN_LENGTH_EXCEEDED',
    );
  if (shape.max !== undefined && length > shape.max)
    throw failed(
      value,
      path,
      `Member must have length less than or equal to ${shape.max}`,
      'MAX_LENGTH_EXCEEDED',
    );
}

function failed(value: unknown, path: string, constraint: string, reason: string): JsonValidationError {
  const shown = typeof value === 'string' ? value.slice(0, 256) : String(value);
  return new JsonValidationError(
    `1 validation error detected: Value '${shown}' at '${path}' failed to satisfy constraint: ${constraint}`,
    reason,
  );
}

function typeError(path: string, expected: string): JsonValidationError {
  return new JsonValidationError(`The value at '${path}' must be ${expected}.`);
}

function lowerFirstPath(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = Object.hasOwn(model.shapes, name) ? model.shapes[name] : undefined;
  if (!shape) throw new Error(`model has no shape ${name}`);
  return shape;
}

/** The output as JSON text: members the model names, timestamps as epoch seconds. */
export function encodeJsonOutput(model: ServiceModel, shapeName: string | undefined, value: unknown): string {
  if (!shapeName || value === undefined) return '{}';
  return JSON.stringify(encode(model, shapeName, value));
}

function encode(model: ServiceModel, shapeName: string, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const encoded = encode(model, member.shape, (value as Record<string, unknown>)[name]);
        if (encoded !== undefined) out[name] = encoded;
      }
      return out;
    }
    case 'list':
      return (value as unknown[]).map((item) => encode(model, shape.member!.shape, item));
    case 'timestamp':
      return (value instanceof Date ? value.getTime() : Date.parse(String(value))) / 1000;
    default:
      return value;
  }
}
