// IdP-initiated SAML sign-in to the console, as AWS's https://signin.aws.amazon.com/saml does it
// ("Enable SAML 2.0 federated principals to access the AWS Management Console"): the IdP posts a
// signed SAMLResponse; when its Role attribute names one role, the person is signed in as a
// session of that role; when it names several, they choose one first (the chooser posts the same
// response again, with the role). The response is verified by sts/saml.ts (verifySamlForConsole),
// and assuming the role goes through AssumeRoleWithSAML's own checks and replay guard, so a
// response signs in once, on any node. The console session lasts as long as the role session:
// the assertion's SessionDuration attribute, or an hour.
import { IamError } from './errors.ts';
import type { Iam } from './iam.ts';
import type { ContextValue } from '../policy/index.ts';
import type { ActiveSession } from './console-sessions.ts';
import { startConsoleSession } from './console-federation.ts';
import { verifySamlForConsole } from './sts/saml.ts';
import type { RolePair } from './sts/saml-response.ts';

export type { RolePair } from './sts/saml-response.ts';

export type SamlSignInResult =
  | { readonly kind: 'choose'; readonly roles: readonly RolePair[] }
  | { readonly kind: 'signed-in'; readonly session: ActiveSession }
  | { readonly kind: 'refused'; readonly message: string };

/**
 * Verifies a posted SAMLResponse and signs in as the role it names, or as `roleArn` when the person
 * chose one of several; answers the roles to choose from when there are several and none is chosen.
 * `recipient` is this console's SAML endpoint (accepted besides AWS's).
 */
export async function signInWithSaml(
  iam: Iam,
  samlResponse: string,
  requestContext: Readonly<Record<string, ContextValue>>,
  options: { readonly recipient: string; readonly roleArn?: string | undefined },
): Promise<SamlSignInResult> {
  try {
    const signIn = await verifySamlForConsole(iam, samlResponse, requestContext, {
      recipient: options.recipient,
    });
    let pair: RolePair | undefined;
    if (options.roleArn !== undefined) pair = signIn.roles.find((r) => r.roleArn === options.roleArn);
    else if (signIn.roles.length === 1) pair = signIn.roles[0];
    else if (signIn.roles.length > 1) return { kind: 'choose', roles: signIn.roles };
    if (!pair) return { kind: 'refused', message: 'Not authorized to perform sts:AssumeRoleWithSAML' };
    const output = await signIn.assume(pair);
    const accessKeyId = (output.Credentials as { AccessKeyId: string }).AccessKeyId;
    const session = await startConsoleSession(iam, accessKeyId);
    if (!session) return { kind: 'refused', message: 'Not authorized to perform sts:AssumeRoleWithSAML' };
    return { kind: 'signed-in', session };
  } catch (error) {
    // Every refusal is an IamError with AWS's text (no secret in it); anything else is a fault.
    if (error instanceof IamError) return { kind: 'refused', message: error.message };
    throw error;
  }
}
