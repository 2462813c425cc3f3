// Security property: the credential scope is split into exactly its five parts and must name the
// same day as the signed time and end in "aws4_request", so a signature made for one day or
// one scope is never accepted for another. Any region is accepted; the service is returned so
// the server can route (iam, sts, ...) and refuse services it does not serve.
import { authErrors, type AuthError } from './errors.ts';
import { formatBasic } from './timestamp.ts';

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** `date/region/service/aws4_request`, as it goes into the string to sign. */
  scope: string;
}

export function parseCredentialScope(credential: string, signedAt: Date): CredentialScope | AuthError {
  const parts = credential.split('/');
  if (parts.length !== 5) return authErrors.credentialNotFiveParts(credential);
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];

  const signedAtBasic = formatBasic(signedAt);
  const expectedDate = signedAtBasic.slice(0, 8);
  const problems: string[] = [];
  if (region === '') problems.push(authErrors.scopeRegion(region));
  if (terminator !== 'aws4_request') problems.push(authErrors.scopeTerminator(terminator));
  if (date !== expectedDate) problems.push(authErrors.scopeDate(date, expectedDate, signedAtBasic));
  if (problems.length > 0) return authErrors.scopeMismatch(problems);

  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
}
