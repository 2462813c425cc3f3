// Secrets never reach the audit trail. CloudTrail writes HIDDEN_DUE_TO_SECURITY_REASONS in place of
// a sensitive request parameter (passwords, assertions, tokens) and leaves secret response
// elements out (a new key's SecretAccessKey, a session token, a virtual MFA device's seed).
// Member names are AWS's own (the API models); keys become lowerCamelCase as in CloudTrail.

const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

const SECRET_MEMBERS = new Set([
  'Password',
  'OldPassword',
  'NewPassword',
  'SecretAccessKey',
  'SessionToken',
  'TokenCode',
  'AuthenticationCode1',
  'AuthenticationCode2',
  'Base32StringSeed',
  'QRCodePNG',
  'SAMLAssertion',
  'WebIdentityToken',
  'PrivateKey',
  'AddPrivateKey',
  'TradeInToken',
  'ServicePassword',
  'ServiceCredentialSecret',
  'ContextAssertion',
  'ProvidedContexts',
  'SigninToken',
  // Portcullis's GenerateRecoveryCodes: the codes are shown once, to their owner only.
  'RecoveryCodes',
  // Organizations' sensitive members (CreateAccount's e-mail address and account name).
  'Email',
  'AccountName',
]);

/** Nesting deeper than this is not kept (no AWS input or output nests so deep). */
const MAX_DEPTH = 8;

export function redactRequest(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return copy(input, 'hide', 0) as Record<string, unknown>;
}

export function redactResponse(output: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return copy(output, 'drop', 0) as Record<string, unknown>;
}

function copy(value: unknown, mode: 'hide' | 'drop', depth: number): unknown {
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.map((item) => copy(item, mode, depth + 1));
  if (value instanceof Uint8Array) return null;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined) continue;
    if (SECRET_MEMBERS.has(name)) {
      if (mode === 'hide') out[lowerFirst(name)] = HIDDEN;
      continue;
    }
    out[lowerFirst(name)] = copy(member, mode, depth + 1);
  }
  return out;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
