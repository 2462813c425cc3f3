// Service control policies limit a member account's root user too (Organizations User Guide: SCPs
// "affect all users and roles in attached accounts, including the root user"), never the
// management account's; and a change to them applies on the member's next request, remembered
// policies notwithstanding. A created account's root user cannot sign in (see the README), so this
// is checked where authorization decides, with root callers of each account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iam } from '../iam.ts';
import type { Caller } from '../caller.ts';
import { authorize } from '../authorize.ts';
import { IamError } from '../errors.ts';
import { organizationsOperations } from './index.ts';
import { iamWithAccounts, rootCaller } from '../../../test/support/domain.ts';

const A = '111111111111';

function rootOf(account: string): Caller {
  return rootCaller(account, { accessKeyId: `AKIAROOT${account}` });
}

/** What a request of the account's root user to create a user is answered: allowed, or the error. */
async function createUserAs(iam: Iam, account: string): Promise<'allowed' | IamError> {
  await iam.refresh(account);
  try {
    await iam.store.read((tx) =>
      authorize(iam, tx, rootOf(account), {
        action: 'iam:CreateUser',
        resource: `arn:aws:iam::${account}:user/someone`,
      }),
    );
    return 'allowed';
  } catch (error) {
    if (error instanceof IamError) return error;
    throw error;
  }
}

test('an SCP denying iam:CreateUser stops a member account’s root user, not the management account’s, until detached', async () => {
  const iam = await iamWithAccounts([A]);
  const ctx = { iam, caller: rootOf(A) };
  const call = (name: string, input: Record<string, unknown> = {}) =>
    organizationsOperations[name]!(ctx, input);
  await call('CreateOrganization', { FeatureSet: 'ALL' });
  const started = (await call('CreateAccount', { Email: 'b@example.com', AccountName: 'B' })) as {
    CreateAccountStatus: { Id: string };
  };
  const status = (await call('DescribeCreateAccountStatus', {
    CreateAccountRequestId: started.CreateAccountStatus.Id,
  })) as { CreateAccountStatus: { State: string; AccountId: string } };
  assert.equal(status.CreateAccountStatus.State, 'SUCCEEDED');
  const B = status.CreateAccountStatus.AccountId;
  const { Roots } = (await call('ListRoots')) as { Roots: { Id: string }[] };
  const rootId = Roots[0]!.Id;

  // Remembered before SCPs exist: the change must still apply on the next request.
  assert.equal(await createUserAs(iam, B), 'allowed');
  await call('EnablePolicyType', { RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' });
  const { Policy } = (await call('CreatePolicy', {
    Name: 'NoNewUsers',
    Description: '',
    Type: 'SERVICE_CONTROL_POLICY',
    Content: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }],
    }),
  })) as { Policy: { PolicySummary: { Id: string } } };
  assert.equal(await createUserAs(iam, B), 'allowed');

  await call('AttachPolicy', { PolicyId: Policy.PolicySummary.Id, TargetId: rootId });
  const denied = await createUserAs(iam, B);
  assert.ok(denied instanceof IamError);
  assert.equal(denied.code, 'AccessDenied');
  assert.equal(
    denied.message,
    `User: arn:aws:iam::${B}:root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${B}:user/someone with an explicit deny in a service control policy`,
  );
  // The management account is never limited by SCPs, even one on the root.
  assert.equal(await createUserAs(iam, A), 'allowed');

  await call('DetachPolicy', { PolicyId: Policy.PolicySummary.Id, TargetId: rootId });
  assert.equal(await createUserAs(iam, B), 'allowed');

  // An account made once SCPs are enabled gets FullAWSAccess, as AWS attaches it: allowed too.
  const third = (await call('CreateAccount', { Email: 'c@example.com', AccountName: 'C' })) as {
    CreateAccountStatus: { Id: string };
  };
  const made = (await call('DescribeCreateAccountStatus', {
    CreateAccountRequestId: third.CreateAccountStatus.Id,
  })) as { CreateAccountStatus: { AccountId: string } };
  const C = made.CreateAccountStatus.AccountId;
  const forC = (await call('ListPoliciesForTarget', { TargetId: C, Filter: 'SERVICE_CONTROL_POLICY' })) as {
    Policies: { Id: string }[];
  };
  assert.deepEqual(
    forC.Policies.map((p) => p.Id),
    ['p-FullAWSAccess'],
  );
  assert.equal(await createUserAs(iam, C), 'allowed');
});
