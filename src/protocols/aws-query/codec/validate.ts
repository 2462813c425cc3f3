// Input validation against the model's constraints, worded as AWS words it:
//
//   1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64
//   2 validation errors detected: <error>; <error>
//
// Sources (recorded real-AWS responses): LocalStack's AWS-validated IAM snapshots
// (localstack/localstack, tests/aws/services/iam/*.snapshot.json) and an STS wire probe run
// against AWS; the constraints themselves are the API model's (service-2.json).
//
// - IAM never echoes the value: "Value at 'path' ...", also for a missing member.
// - STS echoes it: "Value 'Session1:2' at 'roleSessionName' ...", "Value null at 'roleArn' ...".
// - Paths are lower-camel member names; list elements are "<list>.<n>.member" (tags.1.member.key).
// - For one string: the pattern error comes before the length error (STS probe: an empty RoleArn
//   gives "...pattern...; ...length greater than or equal to 20").
// - A list of scalars whose element breaks a constraint gets one error at the list, listing every
//   constraint of the element shape: "Member must satisfy constraint: [Member must have length
//   less than or equal to 255, Member must have length greater than or equal to 1]".
// - IAM's enum error carries no value set ("Member must satisfy enum value set", recorded for
//   UpdateServiceSpecificCredential); elsewhere AWS appends ": [Active, Inactive]".
//
// - Errors of different members come in the iteration order of a Java HashMap keyed by the
//   members' lower-camel names (String.hashCode, spread and masked by a table of 16 buckets, more
//   past 12 members; a bucket's members in model order): recorded IAM orders —
//   UpdateAccountPasswordPolicy "minimumPasswordLength; passwordReusePrevention; maxPasswordAge",
//   CreateOpenIDConnectProvider "clientIDList; thumbprintList; url" — are neither the model's nor
//   alphabetical, and this rule gives both, as it gives recorded orders of other AWS services
//   (DynamoDB's "provisionedThroughput.writeCapacityUnits" before "readCapacityUnits", Cognito's
//   "password" before "username").
//
// Not confirmed: whether element constraint lists end
// in "Member must not be null" (recordings have it where the element shape has a pattern or an
// enum and not otherwise, and that rule is used), and how STS prints a structure's value.

import { shapeOf, type QueryService, type ServiceModel, type Shape } from '../model/index.ts';
import { compilePattern } from './patterns.ts';

/** Lists the model gives no maximum get this one (a Portcullis bound on work and memory). */
export const UNBOUNDED_LIST_LIMIT = 1000;

/** A pattern is not run on a value longer than this that is also longer than the shape's maximum. */
const PATTERN_LENGTH_LIMIT = 4096;

interface Style {
  /** Echo the offending value in the message (STS) or not (IAM). */
  showValues: boolean;
  /** Append the allowed values to an enum error. */
  showEnumValues: boolean;
  /** Shapes whose pattern the service checks itself, after the model's constraints (pathChecks). */
  servicePatterns: ReadonlySet<string>;
}

/**
 * IAM checks an entity's path (Path, NewPath: the model's pathType) itself: a path the pattern
 * refuses, whose length is within the model's bounds, gets this message on its own, not the
 * model's regular-expression sentence (recorded from AWS for CreateVirtualMFADevice; the same text
 * is reported for a role's Path "test/", aws-cloudformation/cfn-lint #722).
 */
export const INVALID_PATH_MESSAGE =
  'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.';
const PATH_SHAPE = 'pathType';

const STYLES: Record<QueryService, Style> = {
  iam: { showValues: false, showEnumValues: false, servicePatterns: new Set([PATH_SHAPE]) },
  sts: { showValues: true, showEnumValues: true, servicePatterns: new Set() },
};

export function validationMessage(errors: readonly string[]): string {
  const n = errors.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

/** Every constraint the value breaks, as AWS's "Value ... at 'path' failed to ..." sentences. */
export function validateInput(
  model: ServiceModel,
  service: QueryService,
  shapeName: string,
  value: Record<string, unknown>,
): string[] {
  const errors: string[] = [];
  new Validator(model, STYLES[service], errors).structure(shapeOf(model, shapeName), value, '');
  return errors;
}

/**
 * What the service itself refuses once the model's constraints hold: an IAM path its pattern
 * does not match (INVALID_PATH_MESSAGE).
 */
export function serviceValidation(
  model: ServiceModel,
  service: QueryService,
  shapeName: string,
  value: Record<string, unknown>,
): string | undefined {
  if (!STYLES[service].servicePatterns.has(PATH_SHAPE)) return undefined;
  for (const [name, ref] of Object.entries(shapeOf(model, shapeName).members ?? {})) {
    const member = value[name];
    if (ref.shape !== PATH_SHAPE || typeof member !== 'string') continue;
    const pattern = compilePattern(shapeOf(model, PATH_SHAPE).pattern!);
    if (pattern !== null && !pattern.test(member)) return INVALID_PATH_MESSAGE;
  }
  return undefined;
}

export function lowerFirst(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

/** Length in Unicode code points, the unit AWS's length constraints count in. */
export function codePointLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function isScalar(shape: Shape): boolean {
  return shape.type !== 'structure' && shape.type !== 'list' && shape.type !== 'map';
}

function isNumeric(shape: Shape): boolean {
  return (
    shape.type === 'integer' || shape.type === 'long' || shape.type === 'float' || shape.type === 'double'
  );
}

/** The shapes whose pattern the service checks (Style.servicePatterns), found once per model. */
const patternShapesByModel = new WeakMap<ServiceModel, ReadonlySet<Shape>>();

function servicePatternShapes(model: ServiceModel, style: Style): ReadonlySet<Shape> {
  if (style.servicePatterns.size === 0) return NO_SHAPES;
  let shapes = patternShapesByModel.get(model);
  if (!shapes) {
    shapes = new Set([...style.servicePatterns].map((name) => shapeOf(model, name)));
    patternShapesByModel.set(model, shapes);
  }
  return shapes;
}
const NO_SHAPES: ReadonlySet<Shape> = new Set();

/** A structure's members in the order AWS reports their errors in (see the top of this file). */
const awsOrders = new WeakMap<Shape, readonly (readonly [string, { shape: string }])[]>();

function membersInAwsOrder(shape: Shape): readonly (readonly [string, { shape: string }])[] {
  let ordered = awsOrders.get(shape);
  if (!ordered) {
    const members = Object.entries(shape.members ?? {});
    let buckets = 16;
    while (members.length > buckets * 0.75) buckets *= 2;
    const bucketOf = (name: string) => {
      const hash = javaStringHash(lowerFirst(name));
      return (hash ^ (hash >>> 16)) & (buckets - 1);
    };
    // Array.prototype.sort is stable: members sharing a bucket keep the model's order.
    ordered = members
      .map((member) => ({ member, bucket: bucketOf(member[0]) }))
      .sort((a, b) => a.bucket - b.bucket)
      .map(({ member }) => member);
    awsOrders.set(shape, ordered);
  }
  return ordered;
}

/** Java's String.hashCode: s[0]·31^(n−1) + … + s[n−1], in 32-bit arithmetic, over UTF-16 units. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

class Validator {
  constructor(
    private readonly model: ServiceModel,
    private readonly style: Style,
    private readonly errors: string[],
  ) {}

  private report(path: string, value: unknown, constraint: string): void {
    let subject = 'Value';
    if (this.style.showValues) subject = value === undefined ? 'Value null' : `Value '${formatValue(value)}'`;
    this.errors.push(`${subject} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  structure(shape: Shape, value: Record<string, unknown>, path: string): void {
    const required = new Set(shape.required ?? []);
    for (const [name, ref] of membersInAwsOrder(shape)) {
      const memberPath = path === '' ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
      const memberValue = Object.hasOwn(value, name) ? value[name] : undefined;
      if (memberValue === undefined) {
        if (required.has(name)) this.report(memberPath, undefined, 'Member must not be null');
        continue;
      }
      this.value(shapeOf(this.model, ref.shape), memberValue, memberPath);
    }
  }

  private value(shape: Shape, value: unknown, path: string): void {
    if (shape.type === 'structure') {
      if (value !== null && typeof value === 'object')
        this.structure(shape, value as Record<string, unknown>, path);
    } else if (shape.type === 'list') {
      if (Array.isArray(value)) this.list(shape, value, path);
    } else if (shape.type === 'map') {
      if (value !== null && typeof value === 'object')
        this.map(shape, value as Record<string, unknown>, path);
    } else {
      const checkedLater = servicePatternShapes(this.model, this.style).has(shape);
      for (const constraint of scalarViolations(shape, value, this.style, checkedLater))
        this.report(path, value, constraint);
    }
  }

  private list(shape: Shape, items: unknown[], path: string): void {
    if (shape.min !== undefined && items.length < shape.min) {
      this.report(path, items, `Member must have length greater than or equal to ${shape.min}`);
    }
    const max = shape.max ?? UNBOUNDED_LIST_LIMIT;
    if (items.length > max) this.report(path, items, `Member must have length less than or equal to ${max}`);
    if (shape.member === undefined) return;
    const member = shapeOf(this.model, shape.member.shape);
    if (isScalar(member)) {
      if (items.some((item) => scalarViolations(member, item, this.style).length > 0)) {
        this.report(
          path,
          items,
          `Member must satisfy constraint: [${describeConstraints(member, this.style).join(', ')}]`,
        );
      }
      return;
    }
    items.forEach((item, index) => this.value(member, item, `${path}.${index + 1}.member`));
  }

  private map(shape: Shape, entries: Record<string, unknown>, path: string): void {
    const size = Object.keys(entries).length;
    if (shape.min !== undefined && size < shape.min) {
      this.report(path, entries, `Member must have length greater than or equal to ${shape.min}`);
    }
    const max = shape.max ?? UNBOUNDED_LIST_LIMIT;
    if (size > max) this.report(path, entries, `Member must have length less than or equal to ${max}`);
    if (shape.key !== undefined) {
      const key = shapeOf(this.model, shape.key.shape);
      if (Object.keys(entries).some((k) => scalarViolations(key, k, this.style).length > 0)) {
        this.report(
          path,
          entries,
          `Map keys must satisfy constraint: [${describeConstraints(key, this.style).join(', ')}]`,
        );
      }
    }
    if (shape.value !== undefined) {
      const valueShape = shapeOf(this.model, shape.value.shape);
      if (isScalar(valueShape)) {
        if (Object.values(entries).some((v) => scalarViolations(valueShape, v, this.style).length > 0)) {
          this.report(
            path,
            entries,
            `Map value must satisfy constraint: [${describeConstraints(valueShape, this.style).join(', ')}]`,
          );
        }
      } else {
        for (const [k, v] of Object.entries(entries)) this.value(valueShape, v, `${path}.${k}.member`);
      }
    }
  }
}

function enumConstraint(shape: Shape, style: Style): string {
  return style.showEnumValues
    ? `Member must satisfy enum value set: [${(shape.enum ?? []).join(', ')}]`
    : 'Member must satisfy enum value set';
}

/** The constraints a scalar value breaks, in AWS's order: pattern, length, enum. */
export function scalarViolations(
  shape: Shape,
  value: unknown,
  style: Style = STYLES.iam,
  skipPattern = false,
): string[] {
  const out: string[] = [];
  const unit = isNumeric(shape) ? 'value' : 'length';
  let size: number | undefined;
  if (typeof value === 'string') {
    size = codePointLength(value);
    if (
      !skipPattern &&
      shape.pattern !== undefined &&
      (size <= (shape.max ?? Infinity) || size <= PATTERN_LENGTH_LIMIT)
    ) {
      const pattern = compilePattern(shape.pattern);
      if (pattern !== null && !pattern.test(value)) {
        out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
    }
  } else if (typeof value === 'number') {
    size = value;
  } else if (value instanceof Uint8Array) {
    size = value.byteLength;
  }
  if (size !== undefined) {
    if (shape.min !== undefined && size < shape.min) {
      out.push(`Member must have ${unit} greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && size > shape.max) {
      out.push(`Member must have ${unit} less than or equal to ${shape.max}`);
    }
  }
  if (shape.enum !== undefined && typeof value === 'string' && !shape.enum.includes(value)) {
    out.push(enumConstraint(shape, style));
  }
  return out;
}

/** Every constraint of an element shape, in the model's order, for "Member must satisfy constraint: [...]". */
function describeConstraints(shape: Shape, style: Style): string[] {
  const unit = isNumeric(shape) ? 'value' : 'length';
  const out: string[] = [];
  for (const key of Object.keys(shape)) {
    if (key === 'max') out.push(`Member must have ${unit} less than or equal to ${shape.max}`);
    else if (key === 'min') out.push(`Member must have ${unit} greater than or equal to ${shape.min}`);
    else if (key === 'pattern') out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    else if (key === 'enum') out.push(enumConstraint(shape, style));
  }
  if (shape.pattern !== undefined || shape.enum !== undefined) out.push('Member must not be null');
  return out;
}

/** How a value is echoed in an STS message: strings as they are, lists as "[a, b]". */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const parts = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`);
    return `{${parts.join(', ')}}`;
  }
  return 'null';
}
