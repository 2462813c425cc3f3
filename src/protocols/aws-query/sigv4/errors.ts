// Security property: every SigV4 failure leaves through this one table, with AWS's code, HTTP
// status and wording. Messages may echo what the caller sent (its algorithm, credential scope,
// date, signed-header list), as AWS does, but never a secret, a signing key or the signature
// the server expected.
//
// Sources: AWS IAM API Reference "Common Error Types" for codes
// and statuses; real AWS responses quoted in public issues; dacut/scratchstack-aws-signature
// (a server-side SigV4 verifier that reproduces AWS's texts and its error ordering); moto.

export interface AuthError {
  code: string;
  message: string;
  status: number;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function error(code: string, status: number, message: string): AuthError {
  return { code, status, message };
}

const incomplete = (message: string) => error('IncompleteSignature', 400, message);
const mismatch = (message: string) => error('SignatureDoesNotMatch', 403, message);

export const HEADER_MISSING = {
  credential: "Authorization header requires 'Credential' parameter.",
  signature: "Authorization header requires 'Signature' parameter.",
  signedHeaders: "Authorization header requires 'SignedHeaders' parameter.",
  date: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
} as const;

export const QUERY_MISSING = {
  credential: "AWS query-string parameters must include 'X-Amz-Credential'.",
  signature: "AWS query-string parameters must include 'X-Amz-Signature'.",
  signedHeaders: "AWS query-string parameters must include 'X-Amz-SignedHeaders'.",
  date: "AWS query-string parameters must include 'X-Amz-Date'.",
} as const;

/** "15 min" for whole minutes, else "N sec" (AWS prints the skew allowance as "15 min."). */
function span(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} sec`;
}

export const authErrors = {
  /** No Authorization header and no X-Amz-Algorithm query parameter (or an unknown one). */
  missingAuthenticationToken: () =>
    error('MissingAuthenticationToken', 403, 'Request is missing Authentication Token'),

  unsupportedAlgorithm: (algorithm: string) => incomplete(`Unsupported AWS 'algorithm': '${algorithm}'.`),

  notKeyValuePair: (parameter: string, header: string) =>
    incomplete(
      `'${parameter}' not a valid key=value pair (missing equal-sign) in Authorization header: '${header}'`,
    ),

  headerParametersMissing: (missing: readonly string[], algorithm: string) =>
    incomplete(`${missing.join(' ')} Authorization=${algorithm}`),

  queryParametersMissing: (missing: readonly string[]) =>
    incomplete(`${missing.join(' ')} Re-examine the query-string parameters.`),

  badDate: (date: string) =>
    incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${date}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    ),

  credentialNotFiveParts: (credential: string) =>
    incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    ),

  /** S3's AuthorizationQueryParametersError texts; IAM/STS have no own text for these (see report). */
  expiresNotANumber: () => incomplete('X-Amz-Expires should be a number'),
  expiresNegative: () => incomplete('X-Amz-Expires must be non-negative'),
  expiresTooLong: () =>
    incomplete(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    ),

  /** Portcullis's own bound on work done before the signature is checked. */
  tooLarge: (what: string, limit: number) =>
    incomplete(`${what} exceeds the limit of ${limit} that Portcullis will authenticate.`),

  malformedQuery: (message: string) => error('MalformedQueryString', 400, message),

  hostNotSigned: () => mismatch("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),

  /** The signed time is more than the allowance before the server's clock. */
  signatureExpired: (signedAt: string, earliest: string, now: string, allowanceSeconds: number) =>
    mismatch(
      `Signature expired: ${signedAt} is now earlier than ${earliest} (${now} - ${span(allowanceSeconds)}.)`,
    ),

  /** The signed time is more than the allowance after the server's clock. */
  signatureNotYetCurrent: (signedAt: string, latest: string, now: string, allowanceSeconds: number) =>
    mismatch(
      `Signature not yet current: ${signedAt} is still later than ${latest} (${now} + ${span(allowanceSeconds)}.)`,
    ),

  /** Credential-scope problems; AWS joins several with spaces into one message. */
  scopeMismatch: (problems: readonly string[]) => mismatch(problems.join(' ')),
  scopeRegion: (region: string) => `Credential should be scoped to a valid region, not '${region}'.`,
  scopeTerminator: (terminator: string) =>
    `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
  scopeDate: (scopeDate: string, expected: string, signedAt: string) =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${expected}', from '${signedAt}'.`,

  invalidClientTokenId: () =>
    error('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'),

  signatureDoesNotMatch: () => mismatch(SIGNATURE_MISMATCH),
} as const;
