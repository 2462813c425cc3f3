// The Access Advisor view is a pure function of GetServiceLastAccessedDetails's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IamError } from '../../domain/errors.ts';
import { accessAdvisorView } from './access-advisor.ts';

const flat = (markup: { toString(): string }) =>
  markup
    .toString()
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const REPORT = {
  ok: true as const,
  output: {
    JobStatus: 'COMPLETED',
    ServicesLastAccessed: [
      { ServiceName: 'Amazon S3', ServiceNamespace: 's3', TotalAuthenticatedEntities: 0 },
      {
        ServiceName: 'AWS Security Token Service',
        ServiceNamespace: 'sts',
        LastAuthenticated: '2026-12-01T10:00:00Z',
        LastAuthenticatedEntity: 'arn:aws:iam::123456789012:user/ana',
        LastAuthenticatedRegion: 'eu-west-1',
      },
      {
        ServiceName: 'AWS Identity and Access Management (IAM)',
        ServiceNamespace: 'iam',
        LastAuthenticated: '2026-12-01T12:00:00Z',
        LastAuthenticatedEntity: 'arn:aws:iam::123456789012:role/ops',
        LastAuthenticatedRegion: 'us-east-1',
      },
    ],
  },
};

test('services accessed come first, most recent first; the others say they were not accessed', () => {
  const text = flat(accessAdvisorView(REPORT, false));
  assert.match(text, /Last activity 2026-12-01T12:00:00Z/);
  const iam = text.indexOf('(IAM) iam 2026-12-01T12:00:00Z us-east-1');
  const sts = text.indexOf('Service sts 2026-12-01T10:00:00Z eu-west-1');
  const s3 = text.indexOf('Amazon S3 s3 Not accessed in the tracking period —');
  assert.ok(iam > 0 && sts > iam && s3 > sts, text);
  assert.doesNotMatch(text, /arn:aws:iam/, 'no entity column for a user or role');
});

test("a group's or policy's view names the entity that used each service", () => {
  const text = flat(accessAdvisorView(REPORT, true));
  assert.match(text, /us-east-1 arn:aws:iam::123456789012:role\/ops/);
  assert.match(text, /Not accessed in the tracking period — —/);
});

test('a report nobody used says so; a refusal is shown in place', () => {
  const none = {
    ok: true as const,
    output: { ServicesLastAccessed: [REPORT.output.ServicesLastAccessed[0]!] },
  };
  assert.match(flat(accessAdvisorView(none, false)), /Last activity Not accessed in the tracking period/);
  const denied = accessAdvisorView(
    { ok: false, error: new IamError('AccessDenied', 'User: x is not authorized') },
    false,
  );
  assert.match(flat(denied), /is not authorized/);
});
