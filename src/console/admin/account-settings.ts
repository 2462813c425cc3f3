// Account settings: the account password policy (GetAccountPasswordPolicy,
// UpdateAccountPasswordPolicy, DeleteAccountPasswordPolicy) and the account alias
// (ListAccountAliases, CreateAccountAlias, DeleteAccountAlias), as the AWS console's "Account
// settings" page offers them. Every value the form sends goes to the operation, which checks the
// ranges and words the errors as the API does.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html } from '../html.ts';
import { formText, redirect } from '../web.ts';
import {
  ADMIN,
  type Messages,
  action,
  adminPage,
  checkbox,
  noticeOf,
  page,
  postForm,
  problemBox,
  statusOf,
} from './common.ts';
import { mfaOptionsSection, registerMfaOptions } from './mfa-options.ts';

export const ACCOUNT_SETTINGS = `${ADMIN}/account-settings`;

const NOTICES: Readonly<Record<string, string>> = {
  'policy-saved': 'The password policy was saved.',
  'policy-deleted': 'The custom password policy was deleted: the account uses the default policy.',
  'alias-created': 'The account alias was created.',
  'alias-deleted': 'The account alias was deleted.',
  'mfa-options-saved': 'The MFA options were saved.',
};

/** The policy's check boxes, by the API's member names. */
const RULES: readonly (readonly [string, string])[] = [
  ['RequireUppercaseCharacters', 'Require at least one uppercase letter from the Latin alphabet (A–Z)'],
  ['RequireLowercaseCharacters', 'Require at least one lowercase letter from the Latin alphabet (a–z)'],
  ['RequireNumbers', 'Require at least one number'],
  [
    'RequireSymbols',
    "Require at least one non-alphanumeric character (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')",
  ],
  ['AllowUsersToChangePassword', 'Allow users to change their own password'],
  ['HardExpiry', 'Password expiration requires administrator reset'],
];

export function registerAccountSettings(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, ACCOUNT_SETTINGS, async (signed, query, _params, reply) =>
    settingsPage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }),
  );

  action(server, ctx, `${ACCOUNT_SETTINGS}/password-policy`, async (signed, form, _params, reply) => {
    const input = policyInput(form);
    if (input instanceof IamError) return settingsPage(ctx, signed, reply, 400, { error: input });
    const result = await callIam(signed.caller, ctx, 'UpdateAccountPasswordPolicy', input);
    if (!result.ok) return settingsPage(ctx, signed, reply, statusOf(result.error), { error: result.error });
    return redirect(reply, `${ACCOUNT_SETTINGS}?notice=policy-saved`);
  });

  action(server, ctx, `${ACCOUNT_SETTINGS}/password-policy/delete`, async (signed, form, _params, reply) => {
    if (form.get('confirm') !== 'true')
      return settingsPage(ctx, signed, reply, 400, {
        error: 'Tick the box to confirm that the account should go back to the default password policy.',
      });
    const result = await callIam(signed.caller, ctx, 'DeleteAccountPasswordPolicy');
    if (!result.ok) return settingsPage(ctx, signed, reply, statusOf(result.error), { error: result.error });
    return redirect(reply, `${ACCOUNT_SETTINGS}?notice=policy-deleted`);
  });

  registerMfaOptions(server, ctx, ACCOUNT_SETTINGS, (signed, reply, status, messages) =>
    settingsPage(ctx, signed, reply, status, messages),
  );

  action(server, ctx, `${ACCOUNT_SETTINGS}/alias`, async (signed, form, _params, reply) => {
    const alias = formText(form, 'alias', 63);
    const result = await callIam(signed.caller, ctx, 'CreateAccountAlias', { AccountAlias: alias });
    if (!result.ok)
      return settingsPage(ctx, signed, reply, statusOf(result.error), {
        error: result.error,
        draft: { alias },
      });
    return redirect(reply, `${ACCOUNT_SETTINGS}?notice=alias-created`);
  });

  action(server, ctx, `${ACCOUNT_SETTINGS}/alias/delete`, async (signed, form, _params, reply) => {
    const alias = formText(form, 'alias', 63);
    const result = await callIam(signed.caller, ctx, 'DeleteAccountAlias', { AccountAlias: alias });
    if (!result.ok) return settingsPage(ctx, signed, reply, statusOf(result.error), { error: result.error });
    return redirect(reply, `${ACCOUNT_SETTINGS}?notice=alias-deleted`);
  });
}

/** UpdateAccountPasswordPolicy's input from the form: numbers as numbers, boxes as booleans. */
function policyInput(form: URLSearchParams): Record<string, unknown> | IamError {
  const input: Record<string, unknown> = {};
  for (const [member] of RULES) input[member] = form.get(member) === 'true';
  // The console calls the operation without the Query protocol, whose model holds these ranges
  // (UpdateAccountPasswordPolicy in the IAM API reference): they are checked here, worded alike.
  const numbers: readonly (readonly [string, string, number, number])[] = [
    ['MinimumPasswordLength', 'minimumPasswordLength', 6, 128],
    ['MaxPasswordAge', 'maxPasswordAge', 1, 1095],
    ['PasswordReusePrevention', 'passwordReusePrevention', 1, 24],
  ];
  for (const [member, wireName, min, max] of numbers) {
    const text = formText(form, member, 16);
    if (text === '') continue;
    const value = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    const constraint =
      Number.isNaN(value) || value < min
        ? `Member must have value greater than or equal to ${min}`
        : value > max
          ? `Member must have value less than or equal to ${max}`
          : undefined;
    if (constraint)
      return new IamError(
        'ValidationError',
        `1 validation error detected: Value at '${wireName}' failed to satisfy constraint: ${constraint}`,
      );
    input[member] = value;
  }
  return input;
}

async function settingsPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  messages: Messages,
): Promise<FastifyReply> {
  const csrf = signed.record.csrf;
  const [policy, aliases] = await Promise.all([
    callIam(signed.caller, ctx, 'GetAccountPasswordPolicy'),
    callIam(signed.caller, ctx, 'ListAccountAliases'),
  ]);
  const custom = policy.ok ? (policy.output.PasswordPolicy as Record<string, unknown>) : undefined;
  const usesDefault = !policy.ok && policy.error.code === 'NoSuchEntity';
  const number = (member: string) => (custom?.[member] === undefined ? '' : String(custom[member]));

  const policySection = html`<section aria-labelledby="policy-heading">
    <h2 id="policy-heading">Password policy</h2>
    ${
      custom
        ? html`<p>This account has a custom password policy.</p>`
        : usesDefault
          ? html`<p>
              This account uses the default password policy: at least 8 characters, with three of uppercase
              letters, lowercase letters, numbers and symbols.
            </p>`
          : problemBox(policy.ok ? 'The password policy could not be read.' : policy.error)
    }
    ${postForm(
      `${ACCOUNT_SETTINGS}/password-policy`,
      csrf,
      html`${field({
          id: 'MinimumPasswordLength',
          label: 'Minimum password length (6 to 128 characters)',
          type: 'number',
          value: number('MinimumPasswordLength') || '8',
        })}
        ${RULES.map(([member, label]) =>
          checkbox({
            id: member,
            label,
            checked: custom ? custom[member] === true : member === 'AllowUsersToChangePassword',
          }),
        )}
        ${field({
          id: 'MaxPasswordAge',
          label: 'Passwords expire after this many days (1 to 1095; empty: never)',
          type: 'number',
          value: number('MaxPasswordAge'),
          required: false,
        })}
        ${field({
          id: 'PasswordReusePrevention',
          label: 'Remember this many previous passwords and refuse their reuse (1 to 24; empty: none)',
          type: 'number',
          value: number('PasswordReusePrevention'),
          required: false,
        })} <button type="submit">Save password policy</button>`,
      { label: 'Edit the password policy' },
    )}
    ${
      custom
        ? postForm(
            `${ACCOUNT_SETTINGS}/password-policy/delete`,
            csrf,
            html`${checkbox({ id: 'confirm', label: 'Yes, go back to the default password policy' })}
              <button type="submit" class="danger">Delete custom password policy</button>`,
            { label: 'Delete the custom password policy' },
          )
        : ''
    }
  </section>`;

  const names = aliases.ok ? ((aliases.output.AccountAliases as string[] | undefined) ?? []) : [];
  const aliasSection = html`<section aria-labelledby="alias-heading">
    <h2 id="alias-heading">Account alias</h2>
    ${
      !aliases.ok
        ? problemBox(aliases.error)
        : names.length > 0
          ? html`<p>
                The account's alias is <strong>${names[0]!}</strong>: users can sign in with it instead of the
                account ID.
              </p>
              ${dangerForm(
                `${ACCOUNT_SETTINGS}/alias/delete`,
                csrf,
                'Delete alias',
                { alias: names[0]! },
                'Users then sign in with the account ID; sign-in links with the alias stop working.',
              )}`
          : postForm(
              `${ACCOUNT_SETTINGS}/alias`,
              csrf,
              html`${field({
                  id: 'alias',
                  label: 'Account alias (3 to 63 lowercase letters, digits and hyphens)',
                  value: messages.draft?.alias ?? '',
                })} <button type="submit">Create alias</button>`,
              { label: 'Create an account alias' },
            )
    }
  </section>`;

  return adminPage(reply, signed, status, {
    title: 'Account settings',
    section: ACCOUNT_SETTINGS,
    body: html`${policySection} ${aliasSection} ${await mfaOptionsSection(ctx, signed, ACCOUNT_SETTINGS)}`,
    messages,
  });
}
