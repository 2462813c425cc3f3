// The security keys' parts of console pages (views: data → HTML): the section of "My security
// credentials" and the form of the MFA step. The routes that run the WebAuthn ceremonies are in
// security-keys.ts; both pages load the scripts named here.
import { securityKeysOfSession } from '../domain/console-security-keys.ts';
import type { ConsoleContext, Signed } from './context.ts';
import { csrfField, dangerForm, deniedBox, field, html, table, type Html } from './html.ts';

/** The scripts of a page with a WebAuthn form: the library, then the console's own. */
export const WEBAUTHN_SCRIPTS = ['/console/static/simplewebauthn-browser.js', '/console/static/webauthn.js'];

/** The security keys section of "My security credentials". */
export async function securityKeysSection(
  ctx: ConsoleContext,
  signed: Signed,
  listAllowed: string | true,
): Promise<Html> {
  const csrf = signed.record.csrf;
  const keys = listAllowed === true ? await securityKeysOfSession(ctx.iam, signed.record) : [];
  return html`<section aria-labelledby="security-keys-heading">
    <h2 id="security-keys-heading">Security keys and passkeys</h2>
    ${
      listAllowed === true
        ? table(
            'Your security keys',
            ['Name', 'Identifier', 'Registered', 'Last used', 'Actions'],
            keys.map((k) => [
              k.name,
              k.serialNumber ? html`<code>${k.serialNumber}</code>` : '',
              k.createdAt,
              k.lastUsedAt ?? 'Never',
              dangerForm(
                '/console/security-keys/remove',
                csrf,
                'Remove',
                { credential: k.id },
                'Sign-in will no longer accept this security key.',
              ),
            ]),
          )
        : deniedBox(listAllowed)
    }
    <form method="post" action="/console/security-keys/no-script" id="register-security-key" class="card">
      ${csrfField(csrf)}
      ${field({ id: 'security-key-name', label: 'Security key name', name: 'name', value: 'security-key', hint: 'Registering a security key needs JavaScript (WebAuthn).' })}
      <p class="alert error" role="alert" id="security-key-error" hidden></p>
      <button type="submit">Register security key</button>
    </form>
  </section>`;
}

/** The MFA step's security key form (the script runs the WebAuthn ceremony). */
export function securityKeySignInForm(csrf: string): Html {
  return html`<form
    method="post"
    action="/console/security-keys/no-script"
    id="security-key-signin"
    class="card"
  >
    ${csrfField(csrf)}
    <p>Or use a security key or passkey registered for this user.</p>
    <p class="alert error" role="alert" id="security-key-error" hidden></p>
    <button type="submit">Use security key</button>
  </form>`;
}
