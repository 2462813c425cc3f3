// What temporary credentials may call at all, before any policy is read (AWS's STS comparison
// table): GetSessionToken credentials reach IAM only with MFA and STS only for AssumeRole and
// GetCallerIdentity; federated users reach no IAM API and only GetCallerIdentity; no temporary
// credentials can get a session token or a federation token.
import type { Caller } from '../caller.ts';
import { IamError } from '../errors.ts';

export function admit(caller: Caller, service: 'iam' | 'sts', operation: string): void {
  const session = caller.session;
  if (!session) return;
  if (service === 'sts') {
    if (operation === 'GetSessionToken' || operation === 'GetFederationToken') {
      throw new IamError('AccessDenied', `Cannot call ${operation} with session credentials`);
    }
    if (session.type === 'session-token' && operation !== 'AssumeRole' && operation !== 'GetCallerIdentity') {
      throw deniedOutright(caller, `sts:${operation}`);
    }
    if (session.type === 'federated-user' && operation !== 'GetCallerIdentity')
      throw deniedOutright(caller, `sts:${operation}`);
    return;
  }
  if (session.type === 'session-token' && !session.mfaAuthenticatedAt) {
    // IAM refuses GetSessionToken credentials without MFA as it refuses an unknown token.
    throw new IamError('InvalidClientTokenId', 'The security token included in the request is invalid');
  }
  if (session.type === 'federated-user') throw deniedOutright(caller, `iam:${operation}`);
}

function deniedOutright(caller: Caller, action: string): IamError {
  return new IamError('AccessDenied', `User: ${caller.arn} is not authorized to perform: ${action}`);
}
