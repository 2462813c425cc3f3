// Whether a user signing in to the console must enrol an MFA device, and by when: after an
// administrator's reset (mfa-reset.ts), or under a group's enrolment grace period
// (mfa-grace-periods.ts). Found once per sign-in and kept on the console session
// (ConsoleSessionRecord.mfaEnrolment), so pages decide from the session alone; the user record is
// read again only while the requirement stands, to see whether the user has enrolled meanwhile.
//
// Only the console is concerned: requests signed with access keys are not (the issue: "the
// console leads them to enrolment and then blocks everything else"). Nothing here decides what
// the user may do; enrolment itself is asked of the engine like any IAM action.
import type { Iam } from '../iam.ts';
import type { StoreTx } from '../store.ts';
import type { GroupRecord, MfaGracePeriod, UserRecord } from '../records.ts';
import { consoleSessions, groupMembers, securityKeys, users } from '../tables.ts';
import { enabledMfaDevicesOf } from '../iam/mfa-common.ts';
import { groupsOfUser } from '../iam/groups.ts';
import type { ConsoleSessionRecord, MfaEnrolment, Principal } from '../console-sessions.ts';
import { accountMfaOptions } from './mfa-options.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Sign-ins kept on the user: enough for the longest period "within N sign-ins". */
export const MFA_GRACE_SIGN_INS_KEPT = 100;

/** A grace period as it applies to one member: the period, and when the member joined. */
export interface MemberGracePeriod {
  readonly period: MfaGracePeriod;
  readonly joinedAt?: string;
}

/**
 * When a member became subject to a period: the later of joining the group and the period's
 * start. That is the fair start: a member who joins a group whose period began a year ago gets
 * the whole period from joining, and members already there when it is set get it from then, not
 * from the day they joined (which would leave long-standing members none). A membership older
 * than the recording of join times predates every period, so the period's start decides.
 */
export function subjectSince(member: MemberGracePeriod): string {
  const { since } = member.period;
  // Compared as instants: the records' times are written with and without milliseconds.
  return member.joinedAt !== undefined && Date.parse(member.joinedAt) > Date.parse(since)
    ? member.joinedAt
    : since;
}

/**
 * The strictest requirement of a user's grace periods, with `signIns` the user's recorded
 * sign-ins (this one included), at `now`: due when any period is over (its days passed, or more
 * sign-ins than it allows); otherwise the earliest deadline and the fewest sign-ins left.
 * Undefined when no period applies.
 */
export function gracePeriodRequirement(
  members: readonly MemberGracePeriod[],
  signIns: readonly string[],
  now: Date,
): MfaEnrolment | undefined {
  if (members.length === 0) return undefined;
  let deadline: string | undefined;
  let signInsLeft: number | undefined;
  let due = false;
  for (const member of members) {
    const start = Date.parse(subjectSince(member));
    const { days, signIns: allowed } = member.period;
    if (days !== undefined) {
      const ends = new Date(start + days * DAY_MS).toISOString();
      if (now.getTime() >= Date.parse(ends)) due = true;
      if (deadline === undefined || ends < deadline) deadline = ends;
    }
    if (allowed !== undefined) {
      const used = signIns.filter((at) => Date.parse(at) >= start).length;
      const left = allowed - used;
      if (left < 0) due = true;
      if (signInsLeft === undefined || left < signInsLeft) signInsLeft = Math.max(left, 0);
    }
  }
  return {
    reason: 'grace-period',
    ...(due ? { due: true as const } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
    ...(signInsLeft !== undefined ? { signInsLeft } : {}),
  };
}

/** True when the requirement stops the console now (due, or its deadline has passed). */
export function enrolmentDue(enrolment: MfaEnrolment, now: Date): boolean {
  return (
    enrolment.due === true ||
    (enrolment.deadline !== undefined && now.getTime() >= Date.parse(enrolment.deadline))
  );
}

async function hasMfa(tx: StoreTx, user: UserRecord): Promise<boolean> {
  if ((await enabledMfaDevicesOf(tx, user.account, { kind: 'user', user })).length > 0) return true;
  return (await tx.count(securityKeys, { account: user.account, owner_id: user.id })) > 0;
}

/**
 * What a console sign-in of `principal` must do about MFA enrolment (undefined: nothing), called
 * once the password is right. Under a grace period "within N sign-ins" it records this sign-in on
 * the user. A user who has an MFA device again is no longer bound by an earlier reset.
 */
export async function enrolmentAtSignIn(
  iam: Iam,
  account: string,
  principal: Principal,
): Promise<MfaEnrolment | undefined> {
  if (principal.kind !== 'user') return undefined;
  const now = iam.now();
  return iam.store.write(
    async (tx) => {
      const user = await tx.get(users, principal.id);
      if (!user) return undefined;
      if (await hasMfa(tx, user)) {
        await clearReset(tx, user);
        return undefined;
      }
      // A reset is binding whatever the account's options say now: the user has no device left.
      if (user.mfaReset?.enrolmentRequired) return { reason: 'reset', due: true };
      if (!(await accountMfaOptions(tx, account)).enrolmentGracePeriods) return undefined;
      const members = await gracePeriodsOf(tx, user);
      if (members.length === 0) return undefined;
      const signIns = [...(user.mfaGraceSignIns ?? []), now.toISOString()].slice(-MFA_GRACE_SIGN_INS_KEPT);
      await tx.update(users, { ...user, mfaGraceSignIns: signIns });
      return gracePeriodRequirement(members, signIns, now);
    },
    { account },
  );
}

/** The grace periods of the user's groups, with when the user joined each. */
async function gracePeriodsOf(tx: StoreTx, user: UserRecord): Promise<MemberGracePeriod[]> {
  const withPeriods = (await groupsOfUser(tx, user)).filter(
    (g): g is GroupRecord & { mfaGracePeriod: MfaGracePeriod } => g.mfaGracePeriod !== undefined,
  );
  const members: MemberGracePeriod[] = [];
  for (const group of withPeriods) {
    const membership = await tx.get(groupMembers, `${group.id}/${user.id}`);
    members.push({
      period: group.mfaGracePeriod,
      ...(membership?.joinedAt ? { joinedAt: membership.joinedAt } : {}),
    });
  }
  return members;
}

async function clearReset(tx: StoreTx, user: UserRecord): Promise<void> {
  if (!user.mfaReset?.enrolmentRequired) return;
  await tx.update(users, { ...user, mfaReset: { ...user.mfaReset, enrolmentRequired: false } });
}

/**
 * Whether the session's requirement still stands: false once its user has an MFA device (enrolled
 * on any page, or by an administrator), and then the requirement is cleared from the session and
 * an administrator's reset is marked as answered.
 */
export async function enrolmentStillNeeded(iam: Iam, record: ConsoleSessionRecord): Promise<boolean> {
  if (!record.mfaEnrolment) return false;
  const { principal } = record;
  if (principal.kind !== 'user') return false;
  const enrolled = await iam.store.read(async (tx) => {
    const user = await tx.get(users, principal.id);
    return user !== undefined && (await hasMfa(tx, user));
  });
  if (!enrolled) return true;
  await iam.store.write(
    async (tx) => {
      const user = await tx.get(users, principal.id);
      if (user) await clearReset(tx, user);
    },
    { account: record.account },
  );
  delete record.mfaEnrolment;
  await iam.store.write(async (tx) => {
    // The session may have ended meanwhile (signed out in another tab): not brought back.
    const current = await tx.get(consoleSessions, record.id);
    if (!current) return;
    delete current.mfaEnrolment;
    await tx.put(consoleSessions, current);
  });
  return false;
}
