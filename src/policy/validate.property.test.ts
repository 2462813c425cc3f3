import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TRUST_POLICY_ACTIONS, validatePolicyText, type ValidationResult } from './validate.ts';
import type { PolicyKind } from './types.ts';

const KINDS: readonly PolicyKind[] = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp'];

/** A result object of the documented shape: never a throw, never anything else. */
function assertResult(result: ValidationResult): void {
  assert.equal(typeof result, 'object');
  if (result.ok) {
    assert.equal(typeof result.document, 'object');
  } else {
    assert.ok(result.error.code === 'MalformedPolicyDocument' || result.error.code === 'LimitExceeded');
    assert.equal(typeof result.error.message, 'string');
    assert.ok(result.error.message.length > 0);
  }
}

function forAllKinds(text: string): void {
  for (const kind of KINDS) assertResult(validatePolicyText(text, kind));
}

// ---------------------------------------------------------------------------------------------
// Generators of well-formed documents

const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
const account = fc.stringMatching(/^\d{12}$/);
const vendor = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,14}$/);
const actionName = fc.stringMatching(/^[A-Za-z0-9*?]{1,24}$/);
const action = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 9, arbitrary: fc.tuple(vendor, actionName).map(([v, a]) => `${v}:${a}`) },
);
const pathPart = fc.stringMatching(/^[A-Za-z0-9_*?.-]{1,16}$/);
const resource = fc.oneof(
  fc.constant('*'),
  pathPart.map((p) => `arn:aws:s3:::${p.toLowerCase()}/*`),
  fc.constant('arn:aws:s3:::home/${aws:username}/*'),
  fc.tuple(account, pathPart).map(([a, p]) => `arn:aws:ec2:us-east-1:${a}:instance/${p}`),
  fc
    .tuple(fc.constantFrom('user/', 'role/', 'group/', 'policy/', 'mfa/'), pathPart)
    .map(([t, p]) => `arn:aws:iam::*:${t}${p}`),
  account.map((a) => `arn:aws:iam::${a}:root`),
  fc
    .tuple(fc.constantFrom('aws', 'aws-cn', 'aws-us-gov'), account, pathPart)
    .map(([partition, a, p]) => `arn:${partition}:dynamodb:*:${a}:table/${p}`),
);

const oneOrMany = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.array(arb, { minLength: 1, maxLength: 4 }));

const NON_DATE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'StringNotLikeIfExists',
  'NumericLessThan',
  'NumericGreaterThanEqualsIfExists',
  'Bool',
  'BoolIfExists',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnLike',
  'ArnNotEquals',
  'Null',
  'ForAnyValue:StringLike',
  'ForAllValues:StringEquals',
];
const DATE_OPERATORS = [
  'DateGreaterThan',
  'DateLessThanEquals',
  'DateEqualsIfExists',
  'ForAnyValue:DateNotEquals',
];

const scalar = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.integer(), fc.boolean());
const isoDate = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
const dateValue = fc.oneof(isoDate, fc.integer({ min: 0, max: 4_000_000_000 }).map(String));

/** An object whose keys may be anything, "__proto__" included, set as own properties like JSON.parse does. */
function ownObject<V>(entries: ReadonlyArray<readonly [string, V]>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

const conditionKey = fc.oneof(
  fc.constantFrom('aws:username', 'aws:SourceIp', 's3:prefix', '__proto__', 'constructor', 'toString'),
  fc.string({ unit: 'binary', maxLength: 16 }),
);
const operatorBlock = (operators: readonly string[], value: fc.Arbitrary<unknown>) =>
  fc.tuple(
    fc.constantFrom(...operators),
    fc
      .uniqueArray(fc.tuple(conditionKey, oneOrMany(value)), { selector: ([k]) => k, maxLength: 3 })
      .map(ownObject),
  );
const condition = fc
  .uniqueArray(
    fc.oneof(operatorBlock(NON_DATE_OPERATORS, scalar), operatorBlock(DATE_OPERATORS, dateValue)),
    {
      selector: ([op]) => op,
      maxLength: 3,
    },
  )
  .map(ownObject);

const principalValue = fc.oneof(
  fc.constant<unknown>('*'),
  fc.record(
    {
      AWS: oneOrMany(
        fc.oneof(
          fc.constant('*'),
          account,
          account.map((a) => `arn:aws:iam::${a}:root`),
          fc.tuple(account, alnum).map(([a, n]) => `arn:aws:iam::${a}:role/${n}`),
          fc.tuple(account, alnum, alnum).map(([a, r, s]) => `arn:aws:sts::${a}:assumed-role/${r}/${s}`),
        ),
      ),
      Service: oneOrMany(
        fc.constantFrom('ec2.amazonaws.com', 'lambda.amazonaws.com', 'states.eu-west-1.amazonaws.com'),
      ),
      Federated: fc.constantFrom(
        'cognito-identity.amazonaws.com',
        'arn:aws:iam::111122223333:saml-provider/Okta',
        'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
      ),
    },
    { requiredKeys: ['AWS'], noNullPrototype: true },
  ),
);

interface StatementShape {
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  action: unknown;
  notAction: boolean;
  resource: unknown;
  notResource: boolean;
  principal: unknown;
  condition: Record<string, unknown> | undefined;
}

function statementArb(kind: PolicyKind): fc.Arbitrary<StatementShape> {
  const trust = kind === 'trust';
  return fc.record({
    sid: fc.option(alnum, { nil: undefined }),
    effect: fc.constantFrom('Allow' as const, 'Deny' as const),
    action: trust
      ? oneOrMany(fc.constantFrom(...TRUST_POLICY_ACTIONS, 'sts:AssumeRole*'))
      : oneOrMany(action),
    notAction: trust ? fc.constant(false) : fc.boolean(),
    resource: oneOrMany(resource),
    notResource: fc.boolean(),
    principal: principalValue,
    condition: fc.option(condition, { nil: undefined }),
  });
}

function documentArb(kind: PolicyKind): fc.Arbitrary<Record<string, unknown>> {
  const needsLatest = kind === 'identity' || kind === 'boundary' || kind === 'scp';
  const version = needsLatest
    ? fc.constant<string | undefined>('2012-10-17')
    : fc.constantFrom<string | undefined>('2012-10-17', '2008-10-17', undefined);
  return fc
    .record({
      version,
      id: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      statements: fc.array(statementArb(kind), { minLength: 1, maxLength: 5 }),
      single: fc.boolean(),
    })
    .map(({ version, id, statements, single }) => {
      const built = statements.map((s, i) => {
        const out: Record<string, unknown> = {};
        // Sids must be unique within a document: make them so by numbering.
        if (s.sid !== undefined) out.Sid = `${s.sid}${i}`;
        out.Effect = s.effect;
        if (kind === 'resource' || kind === 'trust') out.Principal = s.principal;
        out[s.notAction ? 'NotAction' : 'Action'] = s.action;
        if (kind !== 'trust') out[s.notResource ? 'NotResource' : 'Resource'] = s.resource;
        if (s.condition !== undefined) out.Condition = s.condition;
        return out;
      });
      const doc: Record<string, unknown> = {};
      if (version !== undefined) doc.Version = version;
      if (id !== undefined) doc.Id = id;
      doc.Statement = single && built.length === 1 ? built[0] : built;
      return doc;
    });
}

// ---------------------------------------------------------------------------------------------

describe('validatePolicyText never throws', () => {
  test('any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), forAllKinds), { numRuns: 300 });
  });

  test('any string made of JSON punctuation', () => {
    const piece = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '"Statement"',
      '"Version"',
      '"2012-10-17"',
      '"Effect"',
      '"Allow"',
      'null',
      '1',
      ' ',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 200 }).map((p) => p.join('')),
        forAllKinds,
      ),
      { numRuns: 300 },
    );
  });

  test('any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => forAllKinds(JSON.stringify(value) ?? 'null')),
      { numRuns: 300 },
    );
  });

  test('anything JSON.stringify can write', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (value) => {
        let serialized: string | undefined;
        try {
          serialized = JSON.stringify(value);
        } catch {
          serialized = undefined;
        }
        forAllKinds(serialized ?? String(typeof value));
      }),
      { numRuns: 300 },
    );
  });

  test('well-formed documents with one part replaced by any JSON value', () => {
    const kind = fc.constantFrom(...KINDS);
    fc.assert(
      fc.property(
        kind.chain((k) => fc.tuple(fc.constant(k), documentArb(k))),
        fc.jsonValue(),
        fc.nat(),
        ([k, doc], replacement, pick) => {
          const paths: Array<[Record<string, unknown> | unknown[], string | number]> = [];
          const walk = (node: unknown, depth: number) => {
            if (depth > 6 || node === null || typeof node !== 'object') return;
            for (const key of Object.keys(node)) {
              paths.push([node as Record<string, unknown>, key]);
              walk((node as Record<string, unknown>)[key], depth + 1);
            }
          };
          walk(doc, 0);
          if (paths.length > 0) {
            const [parent, key] = paths[pick % paths.length]!;
            Object.defineProperty(parent, key, {
              value: replacement,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          assertResult(validatePolicyText(JSON.stringify(doc), k));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('deep nesting of arrays and objects', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom('[', '{"a":'),
        fc.boolean(),
        (depth, open, closed) => {
          const close = open === '[' ? ']' : '}';
          const body = open.repeat(depth) + (open === '[' ? '' : '1') + (closed ? close.repeat(depth) : '');
          forAllKinds(body);
          forAllKinds(`{"Version":"2012-10-17","Statement":${body}}`);
          forAllKinds(
            `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":${body}}}}}`,
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  test('large strings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000 }),
        fc.constantFrom('x', ' ', '"', '\\', '\u{1F600}', '\uD800'),
        (n, ch) => {
          forAllKinds(ch.repeat(n));
          forAllKinds(
            JSON.stringify({
              Version: '2012-10-17',
              Statement: { Effect: 'Allow', Action: ch.repeat(n), Resource: '*' },
            }),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('well-formed documents are accepted as written', () => {
  for (const kind of KINDS) {
    test(kind, () => {
      fc.assert(
        fc.property(documentArb(kind), (doc) => {
          const result = validatePolicyText(JSON.stringify(doc), kind);
          if (!result.ok)
            assert.fail(`${kind} rejected with "${result.error.message}": ${JSON.stringify(doc)}`);
          assert.deepEqual(result.document, doc);
        }),
        { numRuns: 200 },
      );
    });
  }

  test('indentation and white space do not matter', () => {
    fc.assert(
      fc.property(documentArb('identity'), fc.constantFrom(0, 2, '\t'), (doc, indent) => {
        const result = validatePolicyText(JSON.stringify(doc, null, indent), 'identity');
        assert.ok(result.ok);
        assert.deepEqual(result.document, doc);
      }),
      { numRuns: 100 },
    );
  });
});

/** Every object in a JSON value, outermost first. */
function objectsIn(value: unknown, found: object[] = []): object[] {
  if (Array.isArray(value)) for (const item of value) objectsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    found.push(value);
    for (const item of Object.values(value)) objectsIn(item, found);
  }
  return found;
}

/** JSON.stringify's text, except that `target` writes its first key twice. */
function stringifyRepeating(value: unknown, target: object): string {
  if (Array.isArray(value)) return `[${value.map((v) => stringifyRepeating(v, target)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const pairs = Object.entries(value).map(
      ([key, v]) => `${JSON.stringify(key)}:${stringifyRepeating(v, target)}`,
    );
    if (value === target && pairs.length > 0) pairs.push(pairs[0]!);
    return `{${pairs.join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('a key repeated in any object of a well-formed document is refused', () => {
  for (const kind of KINDS) {
    test(kind, () => {
      const expected =
        kind === 'trust'
          ? 'This policy contains invalid Json'
          : kind === 'scp'
            ? 'The provided policy document does not meet the requirements of the specified policy type.'
            : 'Syntax errors in policy.';
      fc.assert(
        fc.property(documentArb(kind), fc.nat(), (doc, pick) => {
          const objects = objectsIn(doc).filter((o) => Object.keys(o).length > 0);
          const text = stringifyRepeating(doc, objects[pick % objects.length]!);
          const result = validatePolicyText(text, kind);
          assert.equal(result.ok, false, text);
          if (!result.ok) assert.equal(result.error.message, expected);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('hostile sizes return promptly', () => {
  test('a megabyte of text', () => {
    const megabyte = JSON.stringify({
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 'a'.repeat(1 << 20), Resource: '*' },
    });
    for (const kind of KINDS) {
      const result = validatePolicyText(megabyte, kind);
      assert.equal(result.ok, false);
    }
    forAllKinds('x'.repeat(1 << 20));
    forAllKinds('['.repeat(1 << 20));
  });

  test('100,000-deep nesting', () => {
    for (const text of [
      '['.repeat(100_000),
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000),
    ]) {
      for (const kind of KINDS) {
        const result = validatePolicyText(text, kind);
        assert.equal(result.ok, false);
      }
    }
  });

  test('just under the length limit, deeply nested but valid JSON', () => {
    const depth = 60_000;
    const text = `{"Version":"2012-10-17","Statement":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    for (const kind of KINDS) assert.equal(validatePolicyText(text, kind).ok, false);
  });
});
