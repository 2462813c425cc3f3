// Decoding and validation, checked against AWS's own words. Expected texts marked [recorded] are
// real AWS responses: IAM from LocalStack's AWS-validated snapshots (localstack/localstack,
// tests/aws/services/iam/*.snapshot.json), STS from a wire probe run against AWS STS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getModel, type QueryService } from '../model/index.ts';
import { decodeQueryRequest, type DecodeResult } from './decode.ts';

function decode(service: QueryService, params: Record<string, string> | [string, string][]): DecodeResult {
  return decodeQueryRequest(service, new URLSearchParams(params));
}

function iam(action: string, params: Record<string, string> = {}) {
  return decode('iam', { Action: action, Version: '2010-05-08', ...params });
}

function sts(action: string, params: Record<string, string> = {}) {
  return decode('sts', { Action: action, Version: '2011-06-15', ...params });
}

function input(result: DecodeResult): Record<string, unknown> {
  assert.equal(result.ok, true, JSON.stringify(result));
  return result.ok ? result.input : {};
}

function error(result: DecodeResult): { code: string; message: string; status: number } {
  assert.equal(result.ok, false, JSON.stringify(result));
  return result.ok ? { code: '', message: '', status: 0 } : result.error;
}

function validation(result: DecodeResult): string {
  const e = error(result);
  assert.equal(e.code, 'ValidationError');
  assert.equal(e.status, 400);
  return e.message;
}

function tags(
  n: number,
  key = (i: number) => `k${i}`,
  value = (i: number) => `v${i}`,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; i <= n; i++) {
    out[`Tags.member.${i}.Key`] = key(i);
    out[`Tags.member.${i}.Value`] = value(i);
  }
  return out;
}

// Action and Version --------------------------------------------------------------------------

test('an unknown action is InvalidAction, 400, worded as AWS [recorded]', () => {
  assert.deepEqual(error(sts('NoSuchAction')), {
    code: 'InvalidAction',
    message: 'Could not find operation NoSuchAction for version 2011-06-15',
    status: 400,
  });
  assert.equal(
    error(iam('ListUserssssss')).message,
    'Could not find operation ListUserssssss for version 2010-05-08',
  );
  assert.equal(error(iam('listusers')).code, 'InvalidAction');
});

test('a missing, empty or other Version is InvalidAction naming it [recorded]', () => {
  assert.equal(
    error(decode('sts', { Action: 'GetCallerIdentity' })).message,
    'Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED',
  );
  assert.equal(
    error(decode('sts', { Action: 'GetCallerIdentity', Version: '' })).message,
    'Could not find operation GetCallerIdentity for version ',
  );
  assert.equal(
    error(decode('iam', { Action: 'ListUsers', Version: '2011-06-15' })).message,
    'Could not find operation ListUsers for version 2011-06-15',
  );
  assert.equal(
    error(decode('sts', { Action: '', Version: '2011-06-15' })).message,
    'Could not find operation  for version 2011-06-15',
  );
});

test('no Action at all is MissingAction', () => {
  assert.deepEqual(error(decode('iam', { Version: '2010-05-08' })), {
    code: 'MissingAction',
    message: 'Missing Action',
    status: 400,
  });
  assert.equal(error(decode('iam', {})).code, 'MissingAction');
});

test('prototype names are not operations', () => {
  for (const action of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.equal(error(iam(action)).code, 'InvalidAction');
  }
});

test('a repeated Action, Version or member counts its first value [recorded]', () => {
  const ok = decode('sts', [
    ['Action', 'GetCallerIdentity'],
    ['Action', 'NoSuchAction'],
    ['Version', '2011-06-15'],
    ['Version', '2000-01-01'],
  ]);
  assert.equal(ok.ok && ok.operation, 'GetCallerIdentity');
  assert.equal(
    error(
      decode('sts', [
        ['Action', 'NoSuchAction'],
        ['Action', 'GetCallerIdentity'],
        ['Version', '2011-06-15'],
      ]),
    ).message,
    'Could not find operation NoSuchAction for version 2011-06-15',
  );
  const repeated = decode('iam', [
    ['Action', 'GetUser'],
    ['Version', '2010-05-08'],
    ['UserName', 'first'],
    ['UserName', 'second'],
  ]);
  assert.deepEqual(input(repeated), { UserName: 'first' });
});

test('unknown parameters are ignored [recorded]', () => {
  assert.deepEqual(input(sts('GetCallerIdentity', { Unknown: 'value' })), {});
  assert.deepEqual(input(iam('GetUser', { UserName: 'bob', Extra: 'x', 'Tags.member.1.Key': 'k' })), {
    UserName: 'bob',
  });
});

test('operations without input decode to {}', () => {
  assert.deepEqual(input(iam('GetAccountSummary')), {});
  assert.deepEqual(input(iam('GenerateCredentialReport', { Anything: '1' })), {});
});

// Validation: IAM wording ----------------------------------------------------------------------

test('IAM: a missing required member', () => {
  assert.equal(
    validation(iam('CreateUser')),
    "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must not be null",
  );
});

test('IAM: lengths, list sizes and patterns of tags [recorded]', () => {
  assert.equal(
    validation(iam('TagRole', { RoleName: 'r', ...tags(51) })),
    "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
  );
  assert.equal(
    validation(iam('TagRole', { RoleName: 'r', ...tags(1, () => 'k'.repeat(129)) })),
    "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
  );
  assert.equal(
    validation(iam('TagRole', { RoleName: 'r', ...tags(1, undefined, () => 'v'.repeat(257)) })),
    "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
  );
  assert.equal(
    validation(iam('TagRole', { RoleName: 'r', ...tags(1, () => 'bad!key') })),
    "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
  );
});

test('IAM: a bad element of a string list is one error listing the element constraints [recorded]', () => {
  assert.equal(
    validation(iam('UntagRole', { RoleName: 'r', 'TagKeys.member.1': 'ok', 'TagKeys.member.2': 'bad!' })),
    "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]",
  );
  // CreateOpenIDConnectProvider [recorded] gives these three, in this order.
  const message = validation(
    iam('CreateOpenIDConnectProvider', {
      Url: 'https://' + 'a'.repeat(250),
      'ClientIDList.member.1': '',
      'ThumbprintList.member.1': 'abc',
    }),
  );
  assert.equal(
    message,
    '3 validation errors detected: ' +
      "Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]; " +
      "Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]; " +
      "Value at 'url' failed to satisfy constraint: Member must have length less than or equal to 255",
  );
});

test('IAM: integer ranges, several errors in one message [recorded texts]', () => {
  assert.equal(
    validation(
      iam('UpdateAccountPasswordPolicy', {
        MinimumPasswordLength: '200',
        PasswordReusePrevention: '25',
        MaxPasswordAge: '2000',
      }),
    ),
    '3 validation errors detected: ' +
      "Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128; " +
      "Value at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24; " +
      "Value at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095",
  );
  assert.equal(
    validation(iam('UpdateAccountPasswordPolicy', { MinimumPasswordLength: '5' })),
    "1 validation error detected: Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6",
  );
});

test('IAM: enums and version-id patterns [recorded]', () => {
  assert.equal(
    validation(
      iam('UpdateServiceSpecificCredential', {
        ServiceSpecificCredentialId: 'ACCAEXAMPLE1234567890',
        Status: 'Bogus',
      }),
    ),
    "1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set",
  );
  assert.equal(
    validation(iam('GetPolicyVersion', { PolicyArn: 'arn:aws:iam::123456789012:policy/p', VersionId: 'x1' })),
    "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
  );
  assert.deepEqual(
    input(iam('UpdateAccessKey', { AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Inactive' })),
    {
      AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      Status: 'Inactive',
    },
  );
});

test('IAM: nested paths name the list index and ".member"', () => {
  const message = validation(
    iam('SimulatePrincipalPolicy', {
      PolicySourceArn: 'arn:aws:iam::123456789012:user/a',
      'ActionNames.member.1': 's3:GetObject',
      'ContextEntries.member.1.ContextKeyName': 'aws:SourceIp',
      'ContextEntries.member.1.ContextKeyType': 'notAType',
      'ContextEntries.member.1.ContextKeyValues.member.1': '10.0.0.1',
      'ContextEntries.member.2.ContextKeyName': '',
    }),
  );
  assert.equal(
    message,
    '2 validation errors detected: ' +
      "Value at 'contextEntries.1.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set; " +
      "Value at 'contextEntries.2.member.contextKeyName' failed to satisfy constraint: Member must have length greater than or equal to 5",
  );
});

// Validation: STS wording ---------------------------------------------------------------------

const ROLE = 'arn:aws:iam::123456789012:role/deploy';

test('STS: messages echo the value, and null for a missing one [recorded]', () => {
  assert.equal(
    validation(sts('AssumeRole', { RoleSessionName: 's1' })),
    "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
  );
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: ROLE, RoleSessionName: 'Session1:2' })),
    "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
  );
  const long = 's'.repeat(65);
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: ROLE, RoleSessionName: long })),
    `1 validation error detected: Value '${long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
  );
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: ROLE, RoleSessionName: 'a' })),
    "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
  );
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: 'not-an-arn', RoleSessionName: 'ss' })),
    "1 validation error detected: Value 'not-an-arn' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
  );
});

test('STS: the pattern error comes before the length error of the same value [recorded]', () => {
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: '', RoleSessionName: 'ss' })),
    "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+; Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
  );
});

test('STS: lengths count code points, and supplementary characters fail the ARN pattern as on AWS [recorded]', () => {
  const pattern =
    '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+';
  assert.equal(sts('AssumeRole', { RoleArn: 'é'.repeat(2048), RoleSessionName: 'ss' }).ok, true);
  const overlong = 'é'.repeat(2049);
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: overlong, RoleSessionName: 'ss' })),
    `1 validation error detected: Value '${overlong}' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048`,
  );
  const emoji2048 = '😀'.repeat(2048);
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: emoji2048, RoleSessionName: 'ss' })),
    `1 validation error detected: Value '${emoji2048}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
  );
  const emoji2049 = '😀'.repeat(2049);
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: emoji2049, RoleSessionName: 'ss' })),
    `2 validation errors detected: Value '${emoji2049}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}; Value '${emoji2049}' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048`,
  );
});

test('STS: integers, their range errors and malformed numbers [recorded]', () => {
  const base = { RoleArn: ROLE, RoleSessionName: 'ss' };
  const ranges: [string, string][] = [
    ['-1', 'greater than or equal to 900'],
    ['899', 'greater than or equal to 900'],
    ['43201', 'less than or equal to 43200'],
    ['2147483647', 'less than or equal to 43200'],
    ['-2147483648', 'greater than or equal to 900'],
  ];
  for (const [value, bound] of ranges) {
    assert.equal(
      validation(sts('AssumeRole', { ...base, DurationSeconds: value })),
      `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  for (const value of ['abc', '900.0', '2147483648', '-2147483649', ' 900', '9e2']) {
    assert.deepEqual(error(sts('AssumeRole', { ...base, DurationSeconds: value })), {
      code: 'MalformedInput',
      message: '',
      status: 400,
    });
  }
  assert.deepEqual(error(sts('AssumeRole', { ...base, DurationSeconds: '' })), {
    code: 'MalformedInput',
    message: 'missing value for decimal type',
    status: 400,
  });
  for (const [value, seconds] of [
    ['900', 900],
    ['+900', 900],
    ['0900', 900],
    ['43200', 43200],
  ] as const) {
    assert.deepEqual(input(sts('AssumeRole', { ...base, DurationSeconds: value })), {
      ...base,
      DurationSeconds: seconds,
    });
  }
});

test('STS: a malformed number wins over validation errors elsewhere', () => {
  assert.equal(error(sts('AssumeRole', { RoleArn: 'x', DurationSeconds: 'abc' })).code, 'MalformedInput');
});

test('booleans are true/false in any case; anything else is MalformedInput', () => {
  assert.deepEqual(
    input(iam('UpdateAccountPasswordPolicy', { RequireSymbols: 'TRUE', HardExpiry: 'False' })),
    {
      RequireSymbols: true,
      HardExpiry: false,
    },
  );
  assert.equal(error(iam('UpdateAccountPasswordPolicy', { RequireSymbols: 'yes' })).code, 'MalformedInput');
  assert.equal(error(iam('UpdateAccountPasswordPolicy', { RequireSymbols: '' })).code, 'MalformedInput');
});

// Shapes of the parameter map ----------------------------------------------------------------

test('lists run from index 1 to the first gap; stray indices are ignored', () => {
  assert.deepEqual(
    input(
      iam('TagUser', { UserName: 'u', ...tags(2), 'Tags.member.4.Key': 'k4', 'Tags.member.4.Value': 'v4' }),
    ),
    {
      UserName: 'u',
      Tags: [
        { Key: 'k1', Value: 'v1' },
        { Key: 'k2', Value: 'v2' },
      ],
    },
  );
  for (const index of ['0', '01', '-1', 'x', '999999999', '99999999999999999999999', ' 1']) {
    const result = iam('CreateUser', {
      UserName: 'u',
      [`Tags.member.${index}.Key`]: 'k',
      [`Tags.member.${index}.Value`]: 'v',
    });
    assert.deepEqual(input(result), { UserName: 'u' }, index);
  }
});

test('"Tags=" is the empty list; nested parameters win over a scalar of the same name', () => {
  assert.deepEqual(input(iam('CreateUser', { UserName: 'u', Tags: '' })), { UserName: 'u', Tags: [] });
  assert.deepEqual(input(iam('CreateUser', { UserName: 'u', Tags: 'scalar', ...tags(1) })), {
    UserName: 'u',
    Tags: [{ Key: 'k1', Value: 'v1' }],
  });
  assert.deepEqual(
    input(iam('CreateUser', { UserName: 'u', 'UserName.member.1': 'x', 'UserName.Key': 'y' })),
    { UserName: 'u' },
  );
  assert.equal(validation(iam('CreateUser', { 'UserName.member.1': 'x' })).includes("'userName'"), true);
});

test('a list element missing a required member is reported at its path', () => {
  const message = validation(iam('CreateUser', { UserName: 'u', 'Tags.member.1.Key': 'k' }));
  assert.equal(
    message,
    "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
  );
  assert.equal(
    validation(sts('AssumeRole', { RoleArn: ROLE, RoleSessionName: 'ss', 'Tags.member.1.Value': 'v' })),
    "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null",
  );
});

test('long lists are cut at one past the model maximum and reported', () => {
  const result = iam('CreateUser', { UserName: 'u', ...tags(5000) });
  assert.equal(
    validation(result),
    "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
  );
  const actions: Record<string, string> = { PolicySourceArn: 'arn:aws:iam::123456789012:user/a' };
  for (let i = 1; i <= 1005; i++) actions[`ActionNames.member.${i}`] = 's3:GetObject';
  assert.equal(
    validation(iam('SimulatePrincipalPolicy', actions)),
    "1 validation error detected: Value at 'actionNames' failed to satisfy constraint: Member must have length less than or equal to 1000",
  );
});

test('prototype names as parameters cannot reach or pollute anything', () => {
  const result = iam('CreateUser', {
    UserName: 'u',
    __proto__: 'x',
    'constructor.prototype.polluted': 'yes',
    '__proto__.polluted': 'yes',
    'Tags.member.1.__proto__': 'p',
    'Tags.member.1.Key': 'k',
    'Tags.member.1.Value': 'v',
    'Tags.__proto__.1.Key': 'k',
  });
  const decoded = input(result);
  assert.deepEqual(decoded, { UserName: 'u', Tags: [{ Key: 'k', Value: 'v' }] });
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('absurd parameter names are skipped without work', () => {
  const deep = Array.from({ length: 10_000 }, () => 'a').join('.');
  assert.deepEqual(
    input(iam('GetUser', { UserName: 'u', [deep]: 'x', ['Tags.' + 'x'.repeat(100_000)]: 'y' })),
    {
      UserName: 'u',
    },
  );
});

// Never a throw -------------------------------------------------------------------------------

const operations: [QueryService, string][] = [
  ...Object.keys(getModel('iam').operations).map((op): [QueryService, string] => ['iam', op]),
  ...Object.keys(getModel('sts').operations).map((op): [QueryService, string] => ['sts', op]),
];

function memberNames(service: QueryService): string[] {
  const names = new Set<string>();
  for (const shape of Object.values(getModel(service).shapes))
    for (const name of Object.keys(shape.members ?? {})) names.add(name);
  return [...names];
}

const segment = fc.oneof(
  fc.constantFrom(...memberNames('iam'), ...memberNames('sts')),
  fc.constantFrom('member', 'entry', 'key', 'value', '__proto__', 'constructor', 'prototype', 'toString', ''),
  fc.constantFrom('1', '2', '3', '0', '01', '99999', '999999999', '4294967296', '-1', '1e3', 'NaN'),
  fc.string({ maxLength: 8 }),
);
const paramName = fc.array(segment, { minLength: 1, maxLength: 7 }).map((parts) => parts.join('.'));
const paramValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    'true',
    'false',
    '0',
    '-1',
    '2147483648',
    '9'.repeat(30),
    '+900',
    'AAAA',
    '2026-11-23T12:00:00Z',
    'arn:aws:iam::123456789012:role/r',
  ),
);

test('property: any parameter map ends in a result, never a throw or an internal failure', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...operations),
      fc.oneof(fc.constant(undefined), fc.constantFrom('2010-05-08', '2011-06-15', '', 'x')),
      fc.array(fc.tuple(paramName, paramValue), { maxLength: 40 }),
      ([service, action], version, params) => {
        const search = new URLSearchParams(params);
        search.append('Action', action);
        if (version !== undefined) search.append('Version', version);
        else search.append('Version', getModel(service).metadata.apiVersion);
        const result = decodeQueryRequest(service, search);
        if (result.ok) {
          assert.equal(result.operation, action);
          assert.equal(typeof result.input, 'object');
          JSON.stringify(result.input);
        } else {
          assert.ok(
            ['ValidationError', 'MalformedInput', 'InvalidAction'].includes(result.error.code),
            result.error.code,
          );
          assert.ok(result.error.status === 400);
          assert.equal(typeof result.error.message, 'string');
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: raw query strings, however mangled, never throw', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom<QueryService>('iam', 'sts'),
      (raw, service) => {
        const result = decodeQueryRequest(service, new URLSearchParams(raw));
        assert.equal(typeof result.ok, 'boolean');
        if (!result.ok) assert.notEqual(result.error.code, 'InternalFailure');
      },
    ),
    { numRuns: 2000 },
  );
});

test('IAM: a path its pattern refuses gets IAM own message, after the model constraints [recorded]', () => {
  // Recorded from AWS for CreateVirtualMFADevice; the same text for a role's Path "test/"
  // (aws-cloudformation/cfn-lint #722). A length beyond the model's 512 keeps the model's sentence.
  const invalid =
    'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.';
  for (const [action, params] of [
    ['CreateVirtualMFADevice', { VirtualMFADeviceName: 'd', Path: 'test' }],
    ['CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: '{}', Path: 'test/' }],
    ['CreateUser', { UserName: 'u', Path: '/no-trailing-slash' }],
    ['UpdateUser', { UserName: 'u', NewPath: '/a b/' }],
  ] as const) {
    assert.deepEqual(
      error(iam(action, params)),
      { code: 'ValidationError', message: invalid, status: 400 },
      action,
    );
  }
  assert.equal(
    error(iam('CreateVirtualMFADevice', { VirtualMFADeviceName: 'd', Path: `/${'a'.repeat(512)}/` })).message,
    "1 validation error detected: Value at 'path' failed to satisfy constraint: Member must have length less than or equal to 512",
  );
  // Other members' model errors come first, the path's own check only once they pass.
  assert.match(
    error(iam('CreateUser', { UserName: 'x'.repeat(65), Path: 'bad' })).message,
    /^1 validation error detected: Value at 'userName'/,
  );
  assert.equal(input(iam('CreateUser', { UserName: 'u', Path: '/team/dev/' })).Path, '/team/dev/');
});
