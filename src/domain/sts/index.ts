// Every STS operation Portcullis serves, by its AWS name.
import type { Operation } from '../operation.ts';

export const stsOperations: Readonly<Record<string, Operation>> = {
  // GetCallerIdentity needs no permission and cannot be denied by policy, as in AWS.
  async GetCallerIdentity(ctx) {
    return { UserId: ctx.caller.userId, Account: ctx.caller.account, Arn: ctx.caller.arn };
  },
};
