import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAwsManagedPolicyCatalog } from './aws-managed-policies.ts';
import { loadServiceLinkedRoleCatalog } from './service-linked-roles.ts';

const catalog = loadServiceLinkedRoleCatalog();
const policies = loadAwsManagedPolicyCatalog();

// The services whose CreateServiceLinkedRole was recorded against AWS (their role name, policy and
// CustomSuffix answer), and those the IAM User Guide's "AWS services that work with IAM" table marks
// as having service-linked roles (by their service principals).
const RECORDED = [
  'accountdiscovery.ssm',
  'acm',
  'appmesh',
  'autoscaling-plans',
  'autoscaling',
  'backup',
  'batch',
  'cassandra.application-autoscaling',
  'cks.kms',
  'cloudtrail',
  'codestar-notifications',
  'config',
  'connect',
  'dms-fleet-advisor',
  'dms',
  'docdb-elastic',
  'ec2-instance-connect',
  'ec2.application-autoscaling',
  'ecr',
  'ecs',
  'eks-connector',
  'eks-fargate',
  'eks-nodegroup',
  'eks',
  'elasticache',
  'elasticbeanstalk',
  'elasticfilesystem',
  'elasticloadbalancing',
  'email.cognito-idp',
  'emr-containers',
  'emrwal',
  'fis',
  'grafana',
  'imagebuilder',
  'iotmanagedintegrations',
  'kafka',
  'kafkaconnect',
  'lakeformation',
  'lex',
  'lexv2',
  'lightsail',
  'm2',
  'memorydb',
  'mq',
  'mrk.kms',
  'notifications',
  'observability.aoss',
  'opensearchservice',
  'ops.apigateway',
  'ops.emr-serverless',
  'opsdatasync.ssm',
  'opsinsights.ssm',
  'pullthroughcache.ecr',
  'ram',
  'rds',
  'redshift',
  'replication.cassandra',
  'replication.ecr',
  'resource-explorer-2',
  'rolesanywhere',
  's3-outposts',
  'ses',
  'shield',
  'ssm-incidents',
  'ssm-quicksetup',
  'ssm',
  'sso',
  'vpcorigin.cloudfront',
  'waf',
  'wafv2',
];
const USER_GUIDE_TABLE = [
  'autoscaling',
  'elasticbeanstalk',
  'ecs',
  'elasticloadbalancing',
  'replication.dynamodb',
  'dynamodb.application-autoscaling',
  'elasticache',
  'redshift',
  'rds',
  'guardduty',
  'inspector',
  'organizations',
  'securityhub',
  'sso',
  'lex',
  'ecs.application-autoscaling',
  'autoscaling-plans',
  'spot',
  'spotfleet',
  'cloudtrail',
  'config',
  'support',
  'trustedadvisor',
  'es',
  'opensearchservice',
  'access-analyzer',
  'backup',
  'batch',
  'eks',
  'eks-nodegroup',
  'macie',
  'ssm',
];

test('the catalog has the service-linked role of every service recorded or listed by AWS', () => {
  for (const service of new Set([...RECORDED, ...USER_GUIDE_TABLE])) {
    assert.ok(catalog.get(`${service}.amazonaws.com`), `${service}.amazonaws.com`);
  }
  assert.ok(catalog.list().length >= 150, `${catalog.list().length} roles`);
});

test('each role has AWS shape: its own name and path, and an AWS managed policy for service roles', () => {
  const names = new Set<string>();
  const services = catalog.list().map((spec) => spec.service);
  assert.deepEqual(services, [...services].sort());
  for (const spec of catalog.list()) {
    assert.match(spec.service, /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/);
    assert.match(spec.roleName, /^AWSServiceRoleFor[\w+=,.@-]+$/);
    assert.ok(spec.roleName.length <= 64, spec.roleName);
    assert.equal(spec.path, `/aws-service-role/${spec.service}/`);
    // A role name is unique in an account, so no two services may share one.
    assert.ok(!names.has(spec.roleName), `${spec.roleName} twice`);
    names.add(spec.roleName);
    const policy = policies.get(spec.policyArn);
    assert.ok(policy, `${spec.service}: ${spec.policyArn} is not in the AWS managed policy catalog`);
    assert.equal(policy.path, '/aws-service-role/', spec.policyArn);
  }
});

test('the roles named in AWS documentation and recorded responses', () => {
  // ACM User Guide, "Using a service-linked role (SLR) with ACM".
  assert.deepEqual(catalog.get('acm.amazonaws.com'), {
    service: 'acm.amazonaws.com',
    roleName: 'AWSServiceRoleForCertificateManager',
    path: '/aws-service-role/acm.amazonaws.com/',
    policyArn: 'arn:aws:iam::aws:policy/aws-service-role/CertificateManagerServiceRolePolicy',
    customSuffixAllowed: false,
  });
  assert.equal(catalog.get('ecs.amazonaws.com')?.roleName, 'AWSServiceRoleForECS');
  assert.equal(catalog.get('spot.amazonaws.com')?.roleName, 'AWSServiceRoleForEC2Spot');
  assert.equal(catalog.get('es.amazonaws.com')?.roleName, 'AWSServiceRoleForAmazonElasticsearchService');
  // A name AWS's policies write only as a prefix (AWSServiceRoleForAmazonCognitoIdpEmail*).
  assert.equal(
    catalog.get('email.cognito-idp.amazonaws.com')?.roleName,
    'AWSServiceRoleForAmazonCognitoIdpEmailService',
  );
});

test('only the services AWS was recorded taking a CustomSuffix take one', () => {
  const allowed = catalog
    .list()
    .filter((spec) => spec.customSuffixAllowed)
    .map((spec) => spec.service);
  assert.deepEqual(allowed, ['autoscaling.amazonaws.com', 'connect.amazonaws.com', 'lexv2.amazonaws.com']);
});

test('an unknown service principal has no role', () => {
  assert.equal(catalog.get('example.amazonaws.com'), undefined);
  assert.equal(catalog.get('ACM.amazonaws.com'), undefined);
});
