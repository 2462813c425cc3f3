import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOf, findRequest, recordedRequest } from './explain-request.ts';

const ACCOUNT = '111122223333';
const federated = {
  eventSource: 'iam.amazonaws.com',
  eventName: 'ListUsers',
  eventTime: '2026-12-04T10:00:00Z',
  sourceIPAddress: '203.0.113.7',
  awsRegion: 'us-east-1',
  requestID: 'req-1',
  userIdentity: {
    type: 'FederatedUser',
    arn: `arn:aws:sts::${ACCOUNT}:federated-user/web`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/carol`, userName: 'carol' },
      attributes: { creationDate: '2026-12-04T09:00:00Z', mfaAuthenticated: 'false' },
    },
  },
};

test("a federated user's event gives its issuer, the event's action and the context it records", () => {
  const [event] = eventsOf({
    Events: [{ CloudTrailEvent: JSON.stringify(federated) }, { CloudTrailEvent: '{' }],
  });
  assert.equal(findRequest([event!], 'req-2'), undefined);
  const r = recordedRequest(findRequest([event!], 'req-1')!);
  assert.equal(r.principalArn, `arn:aws:sts::${ACCOUNT}:federated-user/web`);
  assert.equal(r.federationUserArn, `arn:aws:iam::${ACCOUNT}:user/carol`);
  assert.equal(r.action, 'iam:ListUsers');
  assert.equal(r.resource, undefined);
  assert.deepEqual(r.context, [
    'aws:CurrentTime=2026-12-04T10:00:00Z',
    `aws:EpochTime=${Date.parse('2026-12-04T10:00:00Z') / 1000}`,
    'aws:SourceIp=203.0.113.7',
    'aws:RequestedRegion=us-east-1',
    'aws:MultiFactorAuthPresent=false',
    'aws:TokenIssueTime=2026-12-04T09:00:00Z',
  ]);
});

test("a denied call's action and resource are its AccessDenied message's; the root's federation token names the root", () => {
  const r = recordedRequest({
    ...federated,
    userIdentity: {
      ...federated.userIdentity,
      // As the trail wrote it before it followed CloudTrail.
      sessionContext: { sessionIssuer: { type: 'IAMUser', principalId: ACCOUNT, userName: 'root' } },
    },
    errorCode: 'AccessDenied',
    errorMessage: `User: arn:aws:sts::${ACCOUNT}:federated-user/web is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::${ACCOUNT}:user/bob because no session policy allows the iam:DeleteUser action`,
  });
  assert.equal(r.federationUserArn, `arn:aws:iam::${ACCOUNT}:root`);
  assert.deepEqual([r.action, r.resource], ['iam:DeleteUser', `arn:aws:iam::${ACCOUNT}:user/bob`]);
  // As CloudTrail writes the root user's issuer (and the trail since it follows CloudTrail).
  const byRoot = recordedRequest({
    ...federated,
    userIdentity: {
      ...federated.userIdentity,
      sessionContext: {
        sessionIssuer: {
          type: 'Root',
          principalId: ACCOUNT,
          arn: `arn:aws:iam::${ACCOUNT}:root`,
          accountId: ACCOUNT,
        },
      },
    },
  });
  assert.equal(byRoot.federationUserArn, `arn:aws:iam::${ACCOUNT}:root`);
});

test('a console sign-in step and an export of something else are input errors', () => {
  assert.throws(
    () => recordedRequest({ ...federated, eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }),
    /not an API call explain can replay/,
  );
  assert.throws(() => eventsOf({ UserDetailList: [] }), /neither LookupEvents output/);
  assert.equal(eventsOf({ Records: [federated] }).length, 1);
});
