import type { StaffRole, StaffUserRow } from '../../db/entities.js';
import { recordCredential } from '../../credentials/history.js';
import { checkPasswordPolicy, type PolicyViolation } from '../../credentials/policy.js';
import type { Services } from '../../services.js';
import type { StaffActor } from '../actions.js';
import { strictPasswordPolicy } from '../initial-password.js';
import { oneTimeUrl } from '../../tokens/one-time-tokens.js';
import { LOGIN_ID_PATTERN, normalizeLoginId, StaffExistsError, StaffStore, type IssuedEnrolment } from '../staff-store.js';

// スタッフ管理 (DESIGN §2.3): staff users are created by administrators (the first one by the
// create-staff command), disabled and enabled again, and their TOTP reset; never by themselves.
// A new user and a reset user get an enrolment link: only that link opens the TOTP enrolment.

type MemberServices = Pick<Services, 'config' | 'hasher' | 'audit' | 'database'>;

/** The path of the enrolment page an enrolment link opens (auth/routes.ts). */
const ENROLMENT_PATH = '/admin/enrol';

/** How long an enrolment link works: lifetimes.staffEnrolmentHours (default 72). */
export function enrolmentHours(config: Services['config']): number {
  return config.lifetimes.staffEnrolmentHours ?? 72;
}

/** An enrolment link to hand to its staff user (once): built from the issuer, like every one-time URL. */
export interface EnrolmentLink { url: string; expiresAt: Date }

function linkOf(services: Pick<Services, 'config'>, issued: IssuedEnrolment): EnrolmentLink {
  return { url: oneTimeUrl(services.config.issuer, ENROLMENT_PATH, issued.token), expiresAt: issued.expiresAt };
}

export type CreateStaffResult =
  | { kind: 'ok'; staff: StaffUserRow; enrolment: EnrolmentLink }
  | { kind: 'invalid'; loginId?: boolean; displayName?: boolean; role?: boolean; password: PolicyViolation[] }
  | { kind: 'exists' };

/**
 * A new staff user with this password (staff passwords follow the graduates' password policy).
 * `generated`: the console made the password up and showed it to the administrator, so the user
 * replaces it at the first sign-in (パスワード変更); the create-staff command's password is the operator's own.
 */
export async function addStaffMember(
  services: MemberServices, store: StaffStore,
  input: { loginId: string; displayName: string; role: string; password: string; createdBy?: string | null; generated?: boolean },
): Promise<CreateStaffResult> {
  const loginId = normalizeLoginId(input.loginId);
  const displayName = input.displayName.normalize('NFKC').trim();
  const problems = {
    loginId: !LOGIN_ID_PATTERN.test(loginId),
    displayName: displayName.length < 1 || displayName.length > 100,
    role: input.role !== 'reviewer' && input.role !== 'administrator',
    password: checkPasswordPolicy(input.password, strictPasswordPolicy(services), [loginId]),
  };
  if (problems.loginId || problems.displayName || problems.role || problems.password.length) return { kind: 'invalid', ...problems };
  if (await store.findByLoginId(loginId)) return { kind: 'exists' };
  try {
    const staff = await store.create({
      loginId, displayName, role: input.role as StaffRole, passwordHash: await services.hasher.hash(input.password), passwordChangeRequired: input.generated ?? false,
    });
    await recordCredential(services, staff.id, 'staff_password', staff.passwordHash);
    const enrolment = linkOf(services, await store.issueEnrolment(staff.id, enrolmentHours(services.config)));
    await services.audit.record('staff.created', { detail: { staffId: input.createdBy ?? null, targetStaffId: staff.id, loginId, role: staff.role } });
    return { kind: 'ok', staff, enrolment };
  } catch (error) {
    if (error instanceof StaffExistsError) return { kind: 'exists' };
    throw error;
  }
}

/** A staff user created outside the console (the create-staff command, tests), over its own StaffStore. */
export function createStaffUser(
  services: MemberServices & Pick<Services, 'database'>,
  input: { loginId: string; displayName: string; role: string; password: string; createdBy?: string | null },
): Promise<CreateStaffResult> {
  return addStaffMember(services, new StaffStore(services.database), input);
}

export type MemberAction = 'disable' | 'enable' | 'reset-totp';

const EVENTS = { 'disable': 'staff.disabled', 'enable': 'staff.enabled', 'reset-totp': 'staff.totp_reset' } as const;

/**
 * 無効 / 有効 / 二要素認証のリセット of another staff user (disabling and resetting end their sessions; a
 * reset, also of a user who has not enrolled yet, issues a new enrolment link); 'self' for one's own
 * account, which is never changed here.
 */
export async function changeStaffMember(
  services: Pick<Services, 'config' | 'audit'>, store: StaffStore, actor: StaffActor, targetId: string, action: MemberAction,
): Promise<{ kind: 'ok'; target: StaffUserRow; enrolment?: EnrolmentLink } | { kind: 'not_found' } | { kind: 'self' }> {
  const target = await store.findById(targetId);
  if (!target) return { kind: 'not_found' };
  if (target.id === actor.id) return { kind: 'self' };
  let enrolment: EnrolmentLink | undefined;
  if (action === 'reset-totp') enrolment = linkOf(services, await store.resetTotp(target.id, enrolmentHours(services.config)));
  else await store.setDisabled(target.id, action === 'disable');
  await services.audit.record(EVENTS[action], { ip: actor.ip, detail: { staffId: actor.id, targetStaffId: target.id, loginId: target.loginId } });
  return { kind: 'ok', target, enrolment };
}

/**
 * パスワードと二要素認証をリセット of another staff user (a forgotten password, a lost phone, a suspected
 * compromise): the password becomes `password` (generated, shown once to the administrator), which the
 * user must replace at the next sign-in; the authenticator is forgotten and a new enrolment link is
 * issued (re-enrolment at the next sign-in); the user's sessions end. 'self' for one's own account
 * (changed on パスワード変更 instead).
 */
export async function resetStaffPassword(
  services: Pick<Services, 'config' | 'database' | 'hasher' | 'audit'>, store: StaffStore, actor: StaffActor, targetId: string, password: string,
): Promise<{ kind: 'ok'; target: StaffUserRow; enrolment: EnrolmentLink } | { kind: 'not_found' } | { kind: 'self' }> {
  const target = await store.findById(targetId);
  if (!target) return { kind: 'not_found' };
  if (target.id === actor.id) return { kind: 'self' };
  const hash = await services.hasher.hash(password);
  await store.setPassword(target.id, hash, true);
  await recordCredential(services, target.id, 'staff_password', hash);
  const enrolment = linkOf(services, await store.resetTotp(target.id, enrolmentHours(services.config)));
  await services.audit.record('staff.password_reset', { ip: actor.ip, detail: { staffId: actor.id, targetStaffId: target.id, loginId: target.loginId } });
  return { kind: 'ok', target, enrolment };
}

/**
 * A new enrolment link from the command line (create-staff --enrolment-link): for a first
 * administrator whose link expired, or one who lost the authenticator. Like a reset in the console:
 * the current authenticator stops working and the user's sessions end.
 */
export async function reissueEnrolmentLink(
  services: Pick<Services, 'config' | 'audit' | 'database'>, loginId: string,
): Promise<{ kind: 'ok'; staff: StaffUserRow; enrolment: EnrolmentLink } | { kind: 'not_found' }> {
  const store = new StaffStore(services.database);
  const staff = await store.findByLoginId(loginId);
  if (!staff) return { kind: 'not_found' };
  const enrolment = linkOf(services, await store.resetTotp(staff.id, enrolmentHours(services.config)));
  await services.audit.record(EVENTS['reset-totp'], { detail: { staffId: null, targetStaffId: staff.id, loginId: staff.loginId } });
  return { kind: 'ok', staff, enrolment };
}
