// Switch role in the console, as AWS's console does it ("Switch to an IAM role (console)"): the
// signed-in user (or role session) names an account and a role; the console calls AssumeRole as
// that principal — so its identity policy and the role's trust policy both decide, and a role
// session switching is role chaining, an hour at most — and from then on runs as the role session
// it got, until that session expires or the person switches back. The switch is kept on the
// console session's row (console_sessions), so every node serves the switched session.
import type { Iam } from './iam.ts';
import { accounts, stsSessions } from './tables.ts';
import {
  saveSession,
  type ConsoleSessionRecord,
  type SwitchColor,
  type SwitchedRole,
} from './console-sessions.ts';

const ACCOUNT_ID = /^\d{12}$/;
/** IAM's account alias pattern ("^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"). */
const ALIAS = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;

/**
 * The account an account field names: a 12-digit id as typed (AssumeRole decides whether there
 * is such a role), or the account whose alias it is. Undefined when it is neither.
 */
export async function switchAccountOf(iam: Iam, typed: string): Promise<string | undefined> {
  const text = typed.trim().toLowerCase();
  if (ACCOUNT_ID.test(text)) return text;
  if (!ALIAS.test(text)) return undefined;
  const account = await iam.store.read((tx) => tx.find(accounts, { alias_lower: text }));
  return account?.id;
}

/**
 * Records that the console session now runs as the role session with this access key id (just
 * issued by AssumeRole), until that session's expiry. False when the role session is not there.
 */
export async function beginSwitch(
  iam: Iam,
  record: ConsoleSessionRecord,
  accessKeyId: string,
  display: { readonly displayName: string; readonly color: SwitchColor },
): Promise<boolean> {
  const session = await iam.store.read((tx) => tx.get(stsSessions, accessKeyId));
  if (!session || session.type !== 'assumed-role' || !session.role) return false;
  const switched: SwitchedRole = {
    accessKeyId,
    account: session.account,
    roleName: session.role.name,
    displayName: display.displayName,
    color: display.color,
    expiresAt: session.expiresAt,
  };
  record.switched = switched;
  await saveSession(iam, record);
  return true;
}

/** Back to the session's own identity ("Switch back"). */
export async function endSwitch(iam: Iam, record: ConsoleSessionRecord): Promise<void> {
  if (!record.switched) return;
  delete record.switched;
  await saveSession(iam, record);
}
