// Tags on Organizations' resources as the management account's root sets and reads them: the
// account, an OU, the root and a customer managed policy; Organizations' own limits and errors;
// tags gone with what they were on.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { IamError } from '../errors.ts';
import type { Output } from '../operation.ts';
import { organizationsOperations } from './index.ts';
import { iamWithAccounts, rootCaller } from '../../../test/support/domain.ts';

const A = '111111111111';
const root = rootCaller(A, { accessKeyId: 'AKIAROOT111111111111' });

type Tags = { Key: string; Value: string }[];
let call: (name: string, input?: Record<string, unknown>) => Promise<Output>;
let rootId = '';
let accountB = '';
let ouId = '';
let policyId = '';

async function tagsOf(resourceId: string): Promise<Tags> {
  const all: Tags = [];
  let token: string | undefined;
  do {
    const page = (await call('ListTagsForResource', {
      ResourceId: resourceId,
      ...(token ? { NextToken: token } : {}),
    })) as { Tags: Tags; NextToken?: string };
    all.push(...page.Tags);
    token = page.NextToken;
  } while (token);
  return all;
}

async function refused(
  promise: Promise<unknown>,
): Promise<{ code: string; reason?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof IamError)) throw error;
    return {
      code: error.code,
      message: error.message,
      ...(error.members?.Reason ? { reason: error.members.Reason } : {}),
    };
  }
  assert.fail('the call was not refused');
}

before(async () => {
  const iam = await iamWithAccounts([A]);
  call = (name, input = {}) => organizationsOperations[name]!({ iam, caller: root }, input);
  await call('CreateOrganization', { FeatureSet: 'ALL' });
  rootId = ((await call('ListRoots')) as { Roots: { Id: string }[] }).Roots[0]!.Id;
  const started = (await call('CreateAccount', {
    Email: 'b@example.com',
    AccountName: 'B',
    Tags: [{ Key: 'team', Value: 'red' }],
  })) as { CreateAccountStatus: { Id: string } };
  const status = (await call('DescribeCreateAccountStatus', {
    CreateAccountRequestId: started.CreateAccountStatus.Id,
  })) as { CreateAccountStatus: { AccountId: string } };
  accountB = status.CreateAccountStatus.AccountId;
  const ou = (await call('CreateOrganizationalUnit', {
    ParentId: rootId,
    Name: 'Dev',
    Tags: [{ Key: 'env', Value: 'dev' }],
  })) as { OrganizationalUnit: { Id: string } };
  ouId = ou.OrganizationalUnit.Id;
  await call('EnablePolicyType', { RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' });
  const policy = (await call('CreatePolicy', {
    Name: 'Guard',
    Description: '',
    Type: 'SERVICE_CONTROL_POLICY',
    Content: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
    Tags: [{ Key: 'owner', Value: 'sec' }],
  })) as { Policy: { PolicySummary: { Id: string } } };
  policyId = policy.Policy.PolicySummary.Id;
});

test('the Tags of CreateAccount, CreateOrganizationalUnit and CreatePolicy are on what they made', async () => {
  assert.deepEqual(await tagsOf(accountB), [{ Key: 'team', Value: 'red' }]);
  assert.deepEqual(await tagsOf(ouId), [{ Key: 'env', Value: 'dev' }]);
  assert.deepEqual(await tagsOf(policyId), [{ Key: 'owner', Value: 'sec' }]);
  assert.deepEqual(await tagsOf(rootId), []);
  assert.deepEqual(await tagsOf(A), []);
});

test('TagResource adds or replaces by key (case matters), UntagResource removes, on each kind', async () => {
  for (const id of [rootId, A, ouId, policyId]) {
    await call('TagResource', {
      ResourceId: id,
      Tags: [
        { Key: 'Stage', Value: 'one' },
        { Key: 'cost', Value: '' },
      ],
    });
    await call('TagResource', {
      ResourceId: id,
      Tags: [
        { Key: 'Stage', Value: 'two' },
        { Key: 'stage', Value: 'x' },
      ],
    });
    const tags = await tagsOf(id);
    assert.deepEqual(
      tags.filter((t) => ['Stage', 'stage', 'cost'].includes(t.Key)),
      [
        { Key: 'Stage', Value: 'two' },
        { Key: 'cost', Value: '' },
        { Key: 'stage', Value: 'x' },
      ],
    );
    // Keys it does not have are no error.
    await call('UntagResource', { ResourceId: id, TagKeys: ['Stage', 'stage', 'cost', 'never-set'] });
    assert.ok((await tagsOf(id)).every((t) => !['Stage', 'stage', 'cost'].includes(t.Key)));
  }
});

test('50 tags at most, listed 20 to a page; bad keys, AWS’s prefix and unknown targets refused', async () => {
  const fifty = Array.from({ length: 50 }, (_, i) => ({
    Key: `k${String(i).padStart(2, '0')}`,
    Value: `v${i}`,
  }));
  await call('TagResource', { ResourceId: ouId, Tags: fifty.slice(0, 49) });
  const first = (await call('ListTagsForResource', { ResourceId: ouId })) as {
    Tags: Tags;
    NextToken?: string;
  };
  assert.equal(first.Tags.length, 20);
  assert.ok(first.NextToken);
  assert.equal((await tagsOf(ouId)).length, 50);
  assert.deepEqual(
    await refused(call('TagResource', { ResourceId: ouId, Tags: [{ Key: 'one-more', Value: '' }] })),
    {
      code: 'ConstraintViolationException',
      reason: 'MAX_TAG_LIMIT_EXCEEDED',
      message: 'You have exceeded the number of tags allowed on this resource.',
    },
  );
  // Replacing a value is no new tag.
  await call('TagResource', { ResourceId: ouId, Tags: [{ Key: 'k00', Value: 'again' }] });
  assert.equal(
    (await refused(call('TagResource', { ResourceId: accountB, Tags: [...fifty, { Key: 'x', Value: '' }] })))
      .reason,
    'MAX_TAG_LIMIT_EXCEEDED',
  );
  assert.equal(
    (
      await refused(
        call('CreateOrganizationalUnit', {
          ParentId: rootId,
          Name: 'Big',
          Tags: [...fifty, { Key: 'x', Value: '' }],
        }),
      )
    ).reason,
    'MAX_TAG_LIMIT_EXCEEDED',
  );

  const system = await refused(
    call('TagResource', { ResourceId: accountB, Tags: [{ Key: 'AWS:owner', Value: 'x' }] }),
  );
  assert.equal(system.code, 'InvalidInputException');
  assert.equal(system.reason, 'INVALID_SYSTEM_TAGS_PARAMETER');
  assert.equal(
    (await refused(call('UntagResource', { ResourceId: accountB, TagKeys: ['aws:owner'] }))).reason,
    'INVALID_SYSTEM_TAGS_PARAMETER',
  );
  assert.equal(
    (
      await refused(
        call('TagResource', {
          ResourceId: accountB,
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'a', Value: '2' },
          ],
        }),
      )
    ).reason,
    'DUPLICATE_TAG_KEY',
  );
  assert.equal(
    (await refused(call('TagResource', { ResourceId: accountB, Tags: [{ Key: 'semi;colon', Value: '' }] })))
      .reason,
    'INVALID_PATTERN',
  );
  assert.equal(
    (await refused(call('TagResource', { ResourceId: accountB, Tags: [{ Key: 'k', Value: 'a|b' }] }))).reason,
    'INVALID_PATTERN',
  );
  // Letters, numbers and spaces of any script are allowed.
  await call('TagResource', { ResourceId: accountB, Tags: [{ Key: 'équipe 1', Value: 'ロール' }] });
  assert.equal(
    (await refused(call('TagResource', { ResourceId: 'ou-nope', Tags: [] }))).reason,
    'INVALID_PATTERN',
  );
  assert.equal(
    (await refused(call('ListTagsForResource', { ResourceId: ouId, NextToken: 'not-a-token' }))).reason,
    'INVALID_NEXT_TOKEN',
  );

  for (const unknown of [
    '999999999999',
    `ou-${rootId.slice(2)}-zzzzzzzz`,
    'r-zzzz',
    'p-zzzzzzzzzz',
    'rp-abcd',
  ])
    assert.equal(
      (await refused(call('ListTagsForResource', { ResourceId: unknown }))).code,
      'TargetNotFoundException',
    );
  const managed = await refused(
    call('TagResource', { ResourceId: 'p-FullAWSAccess', Tags: [{ Key: 'k', Value: '' }] }),
  );
  assert.equal(managed.reason, 'IMMUTABLE_POLICY');
  assert.deepEqual(await tagsOf('p-FullAWSAccess'), []);
});

test('tags go with what they are on: a removed account, a deleted OU or policy', async () => {
  await call('TagResource', { ResourceId: accountB, Tags: [{ Key: 'keep', Value: 'no' }] });
  await call('CloseAccount', { AccountId: accountB });
  // A closed account stays in the organization (SUSPENDED), its tags with it.
  assert.ok((await tagsOf(accountB)).some((t) => t.Key === 'keep'));
  await call('RemoveAccountFromOrganization', { AccountId: accountB });
  assert.equal(
    (await refused(call('ListTagsForResource', { ResourceId: accountB }))).code,
    'TargetNotFoundException',
  );

  const gone = (await call('CreateOrganizationalUnit', {
    ParentId: rootId,
    Name: 'Gone',
    Tags: [{ Key: 'a', Value: 'b' }],
  })) as {
    OrganizationalUnit: { Id: string };
  };
  await call('DeleteOrganizationalUnit', { OrganizationalUnitId: gone.OrganizationalUnit.Id });
  assert.equal(
    (await refused(call('ListTagsForResource', { ResourceId: gone.OrganizationalUnit.Id }))).code,
    'TargetNotFoundException',
  );
  await call('DeletePolicy', { PolicyId: policyId });
  assert.equal(
    (await refused(call('TagResource', { ResourceId: policyId, Tags: [] }))).code,
    'TargetNotFoundException',
  );
});
