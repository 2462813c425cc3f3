// AWS's Service Authorization Reference as the package publishes it, read for lint: real policies
// lint as before (the seeds', the lint fixtures, a sample of AWS's managed policies), and the
// typos the per-service checks exist for are caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SELF_MANAGED_MFA_POLICY } from '../../../test/fixtures/seed-policies.ts';
import { lint } from '../../lint/report.ts';
import { servicesNamed } from '../../lint/services.ts';
import { loadServiceCatalog } from './service-catalog.ts';
import { validatePolicyDocument } from './validate-policy.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');

async function serviceFindings(file: string, text: string) {
  const catalog = await loadServiceCatalog(servicesNamed(text));
  const { findings } = lint({
    files: [{ file, text }],
    policyType: 'IDENTITY_POLICY',
    subject: { accountId: '111122223333', userName: 'alice' },
    catalog,
  });
  return findings.filter((f) => /^(INVALID|UNSUPPORTED|MISSING_ARN|ARN)_/.test(f.issueCode));
}

test("the reference knows S3's actions and keys, and refuses typos of them", async () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjekt', 's3:List*', 'foo:Bar', 'ec2:Describe*'],
        Resource: '*',
        Condition: {
          StringEquals: {
            's3:x-amz-acl': 'private',
            's3:x-amz-acll': 'private',
            's3:ExistingObjectTag/classification': 'public',
            'secretsmanager:ResourceTag/aws:secretsmanager:owningService': 'rds',
            'aws:RequestTag/team': 'blue',
            'aws:PrincipalTag/team': 'blue',
            'aws:RequestTagg/team': 'blue',
          },
        },
      },
    ],
  });
  const found = await serviceFindings('typos.json', text);
  assert.deepEqual(
    found.map((f) => [f.issueCode, f.details]),
    [
      ['INVALID_ACTION', 'The action s3:GetObjekt does not exist.'],
      ['INVALID_SERVICE_IN_ACTION', 'The service foo specified in the action does not exist.'],
      [
        'INVALID_SERVICE_CONDITION_KEY',
        'The condition key s3:x-amz-acll does not exist in the service s3. Use a valid condition key.',
      ],
      [
        'INVALID_GLOBAL_CONDITION_KEY',
        'The condition key aws:RequestTagg/team does not exist. Use a valid condition key.',
      ],
    ],
  );
});

test('ValidatePolicy answers the per-service findings with the path down to the action', async () => {
  const text =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:GetUsr"],"Resource":"*"}]}';
  const found = validatePolicyDocument(
    text,
    'IDENTITY_POLICY',
    undefined,
    await loadServiceCatalog(servicesNamed(text)),
  );
  assert.deepEqual(
    found.map((f) => [f.issueCode, f.findingType, f.locations[0]?.path]),
    [['INVALID_ACTION', 'ERROR', [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }, { index: 1 }]]],
  );
});

test("the seeds' policy and the lint fixtures draw no per-service finding", async () => {
  assert.deepEqual(await serviceFindings('seed', SELF_MANAGED_MFA_POLICY), []);
  const fixtures = join(root, 'test', 'fixtures', 'lint');
  for (const name of readdirSync(fixtures))
    assert.deepEqual(await serviceFindings(name, readFileSync(join(fixtures, name), 'utf8')), [], name);
});

/**
 * The managed policies of the sample that do draw findings, each for a name the reference no
 * longer has: services AWS retired (DeepRacer, DeepComposer, Ground Truth synthetic data) or
 * actions and keys it dropped, that AWS's own policies still name.
 */
const RETIRED: Record<string, RegExp> = {
  AmazonDataZoneGlueManageAccessRolePolicy: /^The condition key lakeformation:GlueARN /,
  AmazonRoute53RecoveryControlConfigReadOnlyAccess:
    /^The action route53-recovery-control-config:DescribeRoutingControlByName /,
  AWSDeepRacerServiceRolePolicy: /^The service deepracer /,
  GroundTruthSyntheticConsoleFullAccess: /^The service sagemaker-groundtruth-synthetic /,
  ReadOnlyAccess: /^The service deepcomposer /,
  SecurityAudit: /^The service deepracer /,
};

/**
 * The managed policies of the sample with a resource ARN that fits none of the formats the
 * reference lists for its service (WAF's change tokens, CloudWatch Logs groups written as paths,
 * API Gateway's /tags, SageMaker's "endpointconfig" for endpoint-config, CloudFormation transforms,
 * Redshift Serverless snapshot copy configurations).
 */
const UNLISTED_ARNS = new Set([
  'AmazonSageMakerHyperPodInferenceAccess',
  'AWSGlueConsoleSageMakerNotebookFullAccess',
  'AwsGlueSessionUserRestrictedServiceRole',
  'AWSMigrationHubRefactorSpacesFullAccess',
  'AWSWAFFullAccess',
  'SageMakerStudioProjectProvisioningRolePolicy',
]);

test("a sample of AWS's managed policies draws no per-service finding but for names AWS retired", async () => {
  const { policies } = JSON.parse(
    gunzipSync(readFileSync(join(root, 'src', 'storage', 'aws-managed-policies.json.gz'))).toString('utf8'),
  ) as { policies: [string, ...unknown[]][] };
  const wellKnown = new Set([
    'AdministratorAccess',
    'PowerUserAccess',
    'ViewOnlyAccess',
    'AmazonS3FullAccess',
    'IAMFullAccess',
  ]);
  let checked = 0;
  for (const [index, [name, ...rest]] of policies.entries()) {
    if (index % 10 !== 0 && !wellKnown.has(name)) continue;
    checked++;
    const found = await serviceFindings(name, String(rest[5]));
    const retired = RETIRED[name];
    // Every unlisted one is found, so the check is seen to run.
    if (UNLISTED_ARNS.has(name))
      assert.ok(
        found.some((f) => f.issueCode === 'INVALID_ARN_RESOURCE'),
        name,
      );
    for (const f of found)
      assert.ok(
        retired?.test(f.details) || (f.issueCode === 'INVALID_ARN_RESOURCE' && UNLISTED_ARNS.has(name)),
        `${name}: ${f.details}`,
      );
  }
  assert.ok(checked > 150, `${checked} policies checked`);
});
