// The account password policy as the console shows it: each rule in words, and which ones a new
// password breaks (the domain's ChangePassword enforces the same rules and has the last word).
import type { AccountRecord, PasswordPolicy } from '../domain/records.ts';

const SYMBOLS = "! @ # $ % ^ & * ( ) _ + - = [ ] { } | '";
const SYMBOL_SET = new Set("!@#$%^&*()_+-=[]{}|'");

export interface Rule {
  readonly text: string;
  readonly holds: (password: string) => boolean;
}

export function passwordRules(account: AccountRecord): Rule[] {
  const policy: PasswordPolicy | undefined = account.passwordPolicy;
  if (!policy) {
    const classes = (p: string) =>
      [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(p)).length;
    const names = [account.id, account.rootEmail, account.alias].filter((n): n is string => !!n);
    return [
      { text: 'Minimum password length is 8 characters', holds: (p) => p.length >= 8 },
      { text: 'Maximum password length is 128 characters', holds: (p) => p.length <= 128 },
      {
        text: 'Include a minimum of three of the following mix of character types: uppercase, lowercase, numbers, and non-alphanumeric characters',
        holds: (p) => classes(p) >= 3,
      },
      {
        text: 'Must not be identical to your AWS account name or email address',
        holds: (p) => !names.some((n) => n.toLowerCase() === p.toLowerCase()),
      },
    ];
  }
  const rules: Rule[] = [
    {
      text: `Minimum password length is ${policy.MinimumPasswordLength} characters`,
      holds: (p) => p.length >= policy.MinimumPasswordLength,
    },
  ];
  if (policy.RequireUppercaseCharacters)
    rules.push({
      text: 'Require at least one uppercase letter from the Latin alphabet (A–Z)',
      holds: (p) => /[A-Z]/.test(p),
    });
  if (policy.RequireLowercaseCharacters)
    rules.push({
      text: 'Require at least one lowercase letter from the Latin alphabet (a–z)',
      holds: (p) => /[a-z]/.test(p),
    });
  if (policy.RequireNumbers)
    rules.push({ text: 'Require at least one number', holds: (p) => /[0-9]/.test(p) });
  if (policy.RequireSymbols)
    rules.push({
      text: `Require at least one non-alphanumeric character (${SYMBOLS})`,
      holds: (p) => [...p].some((c) => SYMBOL_SET.has(c)),
    });
  if (policy.MaxPasswordAge !== undefined)
    rules.push({ text: `Passwords expire in ${policy.MaxPasswordAge} day(s)`, holds: () => true });
  if (policy.PasswordReusePrevention !== undefined)
    rules.push({
      text: `Prevent password reuse: the last ${policy.PasswordReusePrevention} password(s) cannot be used again`,
      holds: () => true,
    });
  return rules;
}

/** True when the password's age has passed the policy's MaxPasswordAge. */
export function passwordExpired(account: AccountRecord, passwordChangedAt: string, now: Date): boolean {
  const days = account.passwordPolicy?.MaxPasswordAge;
  if (days === undefined) return false;
  return now.getTime() >= Date.parse(passwordChangedAt) + days * 86_400_000;
}
