import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICY_SIZE_LIMITS, checkPolicySize, policySize, type PolicySizeLimit } from './size.ts';

describe('policySize', () => {
  test('counts characters except white space', () => {
    assert.equal(policySize(''), 0);
    assert.equal(policySize('{}'), 2);
    assert.equal(policySize(' { \t\n\r} '), 2);
    assert.equal(policySize('\u000b\u000cx'), 1);
  });

  test('indentation does not change the size', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'A', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::b/*' },
      ],
    };
    const compact = JSON.stringify(doc);
    assert.equal(policySize(compact), compact.length);
    assert.equal(policySize(JSON.stringify(doc, null, 4)), compact.length);
    assert.equal(policySize(JSON.stringify(doc, null, '\t')), compact.length);
  });

  test('white space inside strings is not counted either', () => {
    assert.equal(policySize('"a b"'), 4);
  });

  test('other characters count once per UTF-16 unit', () => {
    assert.equal(policySize('é\u00a0'), 2);
    assert.equal(policySize('\u{1F600}'), 2);
  });
});

describe('checkPolicySize', () => {
  const cases: ReadonlyArray<readonly [PolicySizeLimit, number, string, string]> = [
    ['managed', 6144, 'ignored', 'Cannot exceed quota for PolicySize: 6144'],
    ['user-inline', 2048, 'alice', 'Maximum policy size of 2048 bytes exceeded for user alice'],
    ['group-inline', 5120, 'developers', 'Maximum policy size of 5120 bytes exceeded for group developers'],
    ['role-inline', 10240, 'deployer', 'Maximum policy size of 10240 bytes exceeded for role deployer'],
    ['trust', 2048, 'ignored', 'Cannot exceed quota for ACLSizePerRole: 2048'],
  ];
  for (const [limit, max, name, message] of cases) {
    test(`${limit}: ${max} is allowed, ${max + 1} is refused with AWS's message`, () => {
      assert.equal(POLICY_SIZE_LIMITS[limit], max);
      assert.equal(checkPolicySize(0, limit, name), null);
      assert.equal(checkPolicySize(max, limit, name), null);
      assert.deepEqual(checkPolicySize(max + 1, limit, name), { code: 'LimitExceeded', message });
    });
  }

  test('a raised trust policy quota', () => {
    assert.equal(checkPolicySize(4096, 'trust', 'r', 4096), null);
    assert.deepEqual(checkPolicySize(4097, 'trust', 'r', 4096), {
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for ACLSizePerRole: 4096',
    });
  });

  test('end to end: a managed policy padded with white space to exactly the limit', () => {
    const body = JSON.stringify({
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '' },
    });
    const filler = 'x'.repeat(6144 - body.length);
    const atLimit = body.replace('"Resource":""', `"Resource":"${filler}"`).replace(/,/g, ',\n    ');
    assert.equal(policySize(atLimit), 6144);
    assert.equal(checkPolicySize(policySize(atLimit), 'managed', 'p'), null);
    assert.deepEqual(checkPolicySize(policySize(atLimit + 'x'), 'managed', 'p'), {
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for PolicySize: 6144',
    });
  });
});
