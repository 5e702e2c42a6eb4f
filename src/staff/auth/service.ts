import type { StaffUserRow } from '../../db/entities.js';
import { logger } from '../../logger.js';
import { throttleKey } from '../../security/throttle.js';
import type { Services } from '../../services.js';
import { normalizeLoginId, type StaffSessionView, type StaffStore } from '../staff-store.js';
import { groupSecret, matchTotp, newTotpSecret, qrDataUrl, totpUri } from './totp.js';
import { admitAttempt } from '../../credentials/attempts.js';
import { ipThrottleKey } from '../../credentials/throttle-keys.js';

// Staff sign-in (DESIGN §2.3): login ID + password, then a TOTP code. The first enrolment (and the one
// after a reset) needs the enrolment link create-staff or an administrator handed out, not only the password.
// Plain functions over the services and the console's StaffStore; the routes only parse, set the
// cookie and render.

type SignInServices = Pick<Services, 'config' | 'throttle' | 'audit'>;

/** What the vault offers (src/uploads DocumentVault): authenticated encryption with rotating keys. */
export interface Sealer {
  encrypt(plain: Buffer): Buffer;
  decrypt(sealed: Buffer): Buffer;
}

export function sealSecret(vault: Sealer, secret: string): string {
  return vault.encrypt(Buffer.from(secret, 'utf8')).toString('base64');
}

export function openSecret(vault: Sealer, sealed: string): string {
  return vault.decrypt(Buffer.from(sealed, 'base64')).toString('utf8');
}

/** The user's TOTP secret, or undefined when it cannot be opened (its key was removed): logged, not thrown. */
function trySecret(vault: Sealer, staff: StaffUserRow): string | undefined {
  if (!staff.totpSecretSealed) return undefined;
  try {
    return openSecret(vault, staff.totpSecretSealed);
  } catch (error) {
    logger.warn({ staffId: staff.id, err: (error as Error).name }, 'TOTP secret cannot be opened');
    return undefined;
  }
}

/** A staff user's per-account key: the sign-in and every check of their current password count against it. */
export function staffAccountThrottleKey(services: Pick<Services, 'config'>, loginId: string) {
  return throttleKey('account', `staff:${normalizeLoginId(loginId)}`, services.config.throttle.perAccount);
}

function staffThrottleKeys(services: Pick<Services, 'config'>, loginId: string, ip: string) {
  return [staffAccountThrottleKey(services, loginId), ipThrottleKey(services.config, ip)];
}

type ThrottleKeys = ReturnType<typeof staffThrottleKeys>;

/** A code step refused because the login ID or the address is throttled: audited, and the same answer as a wrong code. */
async function admitted(services: SignInServices, keys: ThrottleKeys, staff: StaffUserRow, ip: string): Promise<boolean> {
  if (!(await services.throttle.admit(keys)).length) return true;
  await services.audit.record('staff.login_failed', { ip, detail: { loginId: staff.loginId, staffId: staff.id, reason: 'throttled' } });
  return false;
}

export type StaffPasswordResult =
  | { kind: 'ok'; staff: StaffUserRow; sessionValue: string; next: 'totp' | 'enrol' }
  | { kind: 'invalid' };

/**
 * The first factor. A wrong login ID, a wrong password, a disabled user and a throttled attempt all
 * give the same answer (and take the same time); the audit log tells them apart.
 */
export async function staffPasswordLogin(
  services: SignInServices & Pick<Services, 'hasher'>, store: StaffStore, input: { loginId: string; password: string; ip: string },
): Promise<StaffPasswordResult> {
  const { throttle, hasher, audit } = services;
  const loginId = normalizeLoginId(input.loginId).slice(0, 64);
  const keys = staffThrottleKeys(services, loginId, input.ip);
  // What was typed as a login ID is recorded only when it names a staff user (it may be a password).
  if (!(await admitAttempt(services, keys, [input.password]))) {
    const known = await store.findByLoginId(loginId);
    await audit.record('staff.login_failed', { ip: input.ip, detail: { loginId: known?.loginId ?? null, staffId: known?.id ?? null, reason: 'throttled' } });
    return { kind: 'invalid' };
  }
  const staff = await store.findByLoginId(loginId);
  const passwordOk = await hasher.verify(staff?.passwordHash, input.password);
  if (!staff || staff.disabled || !passwordOk) {
    const locked = await throttle.lockExhausted(keys);
    await audit.record('staff.login_failed', {
      ip: input.ip,
      detail: { loginId: staff?.loginId ?? null, staffId: staff?.id ?? null, reason: !staff ? 'unknown' : staff.disabled ? 'disabled' : 'password', lockedNow: locked.length > 0 },
    });
    return { kind: 'invalid' };
  }
  // The password was right: the attempt does not count; the TOTP step is admitted on its own.
  for (const key of keys) await throttle.release(key);
  await store.purgeExpired(); // the table is small; abandoned sessions go here rather than in a timer
  const sessionValue = await store.createSession(staff.id, false);
  return { kind: 'ok', staff, sessionValue, next: staff.totpEnabled ? 'totp' : 'enrol' };
}

export type StaffTotpResult = { kind: 'ok'; sessionValue: string } | { kind: 'invalid' };

/** An enrolment also fails when its link stopped working meanwhile (used, replaced, expired). */
export type EnrolmentResult = StaffTotpResult | { kind: 'link' };

export interface TotpInput { view: StaffSessionView; sessionValue: string; code: string; ip: string; now?: number }

/** The second factor for an enrolled user: a code of the current step (±1) not used before. */
export async function staffTotpLogin(services: SignInServices & Pick<Services, 'vault'>, store: StaffStore, input: TotpInput): Promise<StaffTotpResult> {
  const { staff } = input.view;
  const keys = staffThrottleKeys(services, staff.loginId, input.ip);
  if (!(await admitted(services, keys, staff, input.ip))) return { kind: 'invalid' };
  const secret = staff.totpEnabled ? trySecret(services.vault, staff) : undefined;
  const step = secret ? await matchTotp(secret, input.code, input.now) : undefined;
  const fresh = step !== undefined && (await store.acceptStep(staff.id, step));
  if (!fresh) {
    const locked = await services.throttle.lockExhausted(keys);
    await services.audit.record('staff.login_failed', {
      ip: input.ip, detail: { loginId: staff.loginId, staffId: staff.id, reason: step === undefined ? 'totp' : 'totp_reused', lockedNow: locked.length > 0 },
    });
    return { kind: 'invalid' };
  }
  return finishLogin(services, store, input, keys);
}

async function finishLogin(services: SignInServices, store: StaffStore, input: TotpInput, keys: ThrottleKeys): Promise<StaffTotpResult> {
  const { staff } = input.view;
  await services.throttle.succeeded(keys[0]!, keys[1]!);
  const upgraded = await store.upgradeSession(input.sessionValue, staff.id);
  await store.recordLogin(staff.id);
  await services.audit.record('staff.login', { ip: input.ip, detail: { staffId: staff.id, loginId: staff.loginId, role: staff.role } });
  return { kind: 'ok', sessionValue: upgraded };
}

export interface Enrolment { secret: string; groupedSecret: string; uri: string; qr: string }

/**
 * The enrolment page of a user without TOTP, opened through a valid enrolment link (the routes check
 * it): the pending secret (kept across reloads so that a scanned code stays valid), as a QR code and as text.
 */
export async function enrolmentOf(services: Pick<Services, 'config' | 'vault'>, store: StaffStore, staff: StaffUserRow): Promise<Enrolment> {
  // A pending secret that cannot be opened (its key is gone) is replaced by a new one.
  let secret = trySecret(services.vault, staff);
  if (!secret) {
    secret = newTotpSecret();
    await store.setPendingTotp(staff.id, sealSecret(services.vault, secret));
  }
  const issuer = `${services.config.branding.serviceName.ja} staff`;
  const uri = totpUri(issuer, staff.loginId, secret);
  return { secret, groupedSecret: groupSecret(secret), uri, qr: await qrDataUrl(uri) };
}

/**
 * Enrolment is confirmed by a valid code of the pending secret together with the user's live
 * enrolment link, which it uses up; it also completes this sign-in.
 */
export async function confirmEnrolment(
  services: SignInServices & Pick<Services, 'vault'>, store: StaffStore, input: TotpInput & { token: string },
): Promise<EnrolmentResult> {
  const staff = await store.findById(input.view.staff.id);
  if (!staff) return { kind: 'invalid' };
  const keys = staffThrottleKeys(services, staff.loginId, input.ip);
  if (!(await admitted(services, keys, staff, input.ip))) return { kind: 'invalid' };
  const secret = staff.totpEnabled ? undefined : trySecret(services.vault, staff);
  const step = secret ? await matchTotp(secret, input.code, input.now) : undefined;
  if (step === undefined) {
    await services.throttle.lockExhausted(keys);
    await services.audit.record('staff.login_failed', { ip: input.ip, detail: { loginId: staff.loginId, staffId: staff.id, reason: 'totp_enrolment' } });
    return { kind: 'invalid' };
  }
  if (!(await store.enableTotp(staff.id, step, input.token))) {
    await services.audit.record('staff.login_failed', { ip: input.ip, detail: { loginId: staff.loginId, staffId: staff.id, reason: 'enrolment_link' } });
    return { kind: 'link' };
  }
  await services.audit.record('staff.totp_enrolled', { ip: input.ip, detail: { staffId: staff.id, loginId: staff.loginId } });
  return finishLogin(services, store, input, keys);
}

/** ログアウト: the session ends (when there was one) and is audited. */
export async function staffLogout(services: Pick<Services, 'audit'>, store: StaffStore, session: { view: StaffSessionView; value: string } | undefined, ip: string): Promise<void> {
  if (!session) return;
  await store.destroySession(session.value);
  await services.audit.record('staff.logout', { ip, detail: { staffId: session.view.staff.id } });
}
