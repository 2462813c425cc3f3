// SigV4 verification against the keys Portcullis keeps: the secret of an access key or a session
// is looked up once the request is well-formed, and the signing key's record is handed back so the
// caller can be built from it. Every endpoint that takes signed requests (the Query and JSON
// protocols, the test endpoints) verifies this one way.
import type { Iam } from '../../../domain/iam.ts';
import { lookupSigningKey, type Signing } from '../../../domain/authenticate.ts';
import { verifySigV4, type IncomingRequest, type VerifyResult } from './verify.ts';

export async function verifyWithStoredKeys(
  iam: Iam,
  req: IncomingRequest,
  now: Date,
): Promise<{ readonly verified: VerifyResult; readonly signing: Signing | undefined }> {
  let signing: Signing | undefined;
  const verified = await verifySigV4(
    req,
    async (accessKeyId, sessionToken) => {
      const found = await lookupSigningKey(iam, accessKeyId, sessionToken);
      if (!found || 'error' in found) return found;
      signing = found.signing;
      return { secretAccessKey: found.secretAccessKey };
    },
    now,
  );
  return { verified, signing };
}
