// Switch role's history: the roles this browser switched to last, newest first, at most five (as
// AWS's console keeps them). Like AWS's, it belongs to the browser, not to a session: a cookie,
// holding no secret — an account, a role name, a display name and a colour each. What comes back
// from the browser is checked as strictly as a form, and anything else is dropped.
import { SWITCH_COLORS, type SwitchColor } from '../domain/console-sessions.ts';

export interface RecentRole {
  /** As it was typed: a 12-digit account id or an account alias. */
  readonly account: string;
  readonly roleName: string;
  readonly displayName: string;
  readonly color: SwitchColor;
}

/** "AWS keeps up to five roles in the history." */
export const MAX_RECENT_ROLES = 5;

const ACCOUNT = /^(?:\d{12}|[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9])$/;
/** A role name, with its path if it has one ("path/name"), as Switch role takes it. */
export const ROLE_NAME = /^(?:[\w+=,.@-]+\/){0,16}[\w+=,.@-]{1,64}$/;
export const DISPLAY_NAME_MAX = 64;
// eslint-disable-next-line no-control-regex
const DISPLAY_NAME = /^[^\u0000-\u001F\u007F]{1,64}$/u;

export function isSwitchColor(value: unknown): value is SwitchColor {
  return typeof value === 'string' && (SWITCH_COLORS as readonly string[]).includes(value);
}

function isRecentRole(value: unknown): value is RecentRole {
  if (typeof value !== 'object' || value === null) return false;
  const { account, roleName, displayName, color } = value as Record<string, unknown>;
  return (
    typeof account === 'string' &&
    ACCOUNT.test(account) &&
    typeof roleName === 'string' &&
    roleName.length <= 512 &&
    ROLE_NAME.test(roleName) &&
    typeof displayName === 'string' &&
    DISPLAY_NAME.test(displayName) &&
    isSwitchColor(color)
  );
}

/** The history a cookie holds: only well-formed entries, at most five. */
export function parseRecentRoles(cookie: string | undefined): RecentRole[] {
  if (!cookie || cookie.length > 4000) return [];
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value
    .filter(isRecentRole)
    .slice(0, MAX_RECENT_ROLES)
    .map(({ account, roleName, displayName, color }) => ({ account, roleName, displayName, color }));
}

/** The history with `role` first (replacing an entry for the same account and role), five at most. */
export function withRecentRole(recent: readonly RecentRole[], role: RecentRole): RecentRole[] {
  const same = (r: RecentRole) =>
    r.account.toLowerCase() === role.account.toLowerCase() && r.roleName === role.roleName;
  return [role, ...recent.filter((r) => !same(r))].slice(0, MAX_RECENT_ROLES);
}

export function serializeRecentRoles(recent: readonly RecentRole[]): string {
  return Buffer.from(JSON.stringify(recent.slice(0, MAX_RECENT_ROLES)), 'utf8').toString('base64url');
}

/** Whether a display name may be kept (printable, 1 to 64 characters). */
export function validDisplayName(text: string): boolean {
  return DISPLAY_NAME.test(text);
}

export function validAccountText(text: string): boolean {
  return ACCOUNT.test(text);
}
