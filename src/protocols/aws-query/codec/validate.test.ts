import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '../model/index.ts';
import { javaStringHash, validateInput } from './validate.ts';

test("javaStringHash is Java's String.hashCode, overflow included", () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('hello'), 99162322);
  // Java: "minimumPasswordLength".hashCode() wraps past 2^31.
  assert.equal(javaStringHash('polygenelubricants'), -2147483648);
});

test("errors of several members come in AWS's order, which is neither the model's nor alphabetical", () => {
  const iam = getModel('iam');
  assert.deepEqual(
    validateInput(iam, 'iam', 'UpdateAccountPasswordPolicyRequest', {
      MaxPasswordAge: 1096,
      MinimumPasswordLength: 129,
      PasswordReusePrevention: 25,
    }).map((error) => /at '(\w+)'/.exec(error)![1]),
    ['minimumPasswordLength', 'passwordReusePrevention', 'maxPasswordAge'],
  );
});
