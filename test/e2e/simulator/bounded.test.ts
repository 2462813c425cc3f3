// The simulator's work is bounded by what AWS accepts (issue #13): a request beyond AWS's limits
// (the IAM API model's: ActionNames of 3 to 128 characters, ResourceArns of up to 2,048, MaxItems
// up to 1,000; a list the model leaves open takes up to 1,000 members) is refused with its
// ValidationError before any work. How long other requests wait during the largest simulation
// within them is measured by bench/simulator.bench.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const LONGEST_ARN = `arn:aws:s3:::bucket/${'a'.repeat(2048 - 'arn:aws:s3:::bucket/'.length)}`;

test('a simulation beyond AWS limits is refused with a ValidationError', async () => {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  const tooManyActions = await awsError(
    server.iam().send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy],
        ActionNames: Array.from({ length: 1001 }, (_, i) => `s3:Action${i}`),
      }),
    ),
  );
  assert.equal(tooManyActions.code, 'ValidationError');
  assert.equal(tooManyActions.status, 400);

  const tooLongArn = await awsError(
    server.iam().send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy],
        ActionNames: ['s3:GetObject'],
        ResourceArns: [`${LONGEST_ARN}x`],
      }),
    ),
  );
  assert.equal(tooLongArn.code, 'ValidationError');
  assert.match(tooLongArn.message, /resourceArns.*2048/);

  const tooManyItems = await awsError(
    server.iam().send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy],
        ActionNames: ['s3:GetObject'],
        MaxItems: 1001,
      }),
    ),
  );
  assert.equal(tooManyItems.code, 'ValidationError');
  assert.match(tooManyItems.message, /maxItems.*1000/);
});
