import { graduateLoginUrl } from '../../applications/links.js';
import type { AccountRow, ApplicationRow } from '../../db/entities.js';
import { endEverySignInOf } from '../../oidc/adapter.js';
import type { Services } from '../../services.js';
import { queueMail, ReviewError, type StaffActor } from '../actions.js';
import { issueInitialPassword } from '../initial-password.js';
import { staffMails } from '../mail.js';

// Staff actions on an account (DESIGN §2.3): its page, ロック / ロック解除, and a new initial password for a
// graduate who has not completed the first login.

function accountRows(services: Pick<Services, 'database'>) {
  return services.database.dataSource.getRepository(services.database.entities.Account);
}

/** An account with the applications linked to it (newest first, at most 50). */
export async function accountWithApplications(
  services: Pick<Services, 'accounts' | 'database'>, accountId: string,
): Promise<{ account: AccountRow; applications: ApplicationRow[] } | undefined> {
  const account = await services.accounts.findById(accountId);
  if (!account) return undefined;
  const applications = await services.database.dataSource.getRepository(services.database.entities.Application).find({
    where: { accountId: account.id }, order: { createdAt: 'DESC' }, take: 50,
  });
  return { account, applications };
}

/** True when the account's initial password is past its expiry (the first login did not happen in time). */
export function initialPasswordExpired(account: AccountRow, now = Date.now()): boolean {
  return Boolean(account.passwordIsInitial && account.passwordExpiresAt && account.passwordExpiresAt.getTime() <= now);
}

/**
 * A new initial password for a graduate who has not completed the first login (the initial password
 * is unused or expired): the old one stops working, the new one is mailed with a new expiry.
 */
export async function reissueInitialPassword(
  services: Pick<Services, 'config' | 'database' | 'hasher' | 'accounts' | 'audit' | 'sendMail' | 'langOf' | 'mailBranding'>,
  actor: StaffActor, input: { accountId: string },
): Promise<{ mailQueued: boolean; expiresAt: Date }> {
  const account = await services.accounts.findById(input.accountId);
  if (!account || account.userType !== 'graduate') throw new ReviewError('account_not_graduate');
  if (!account.passwordIsInitial) throw new ReviewError('not_initial');
  if (!account.email) throw new ReviewError('no_email');
  const issued = await issueInitialPassword(services);
  const result = await accountRows(services).update({ id: account.id, passwordIsInitial: true }, {
    passwordHash: issued.hash, passwordExpiresAt: issued.expiresAt, updatedAt: new Date(),
  });
  if (result.affected !== 1) throw new ReviewError('not_initial');
  const mailQueued = await queueMail(services, account.email, staffMails.initialPasswordReissued(services.langOf(account.locale), services.mailBranding, {
    password: issued.password, expiresAt: issued.expiresAt, loginUrl: graduateLoginUrl(services.config),
  }));
  await services.audit.record('initial_password.issued', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id, reissued: true, mailQueued } });
  return { mailQueued, expiresAt: issued.expiresAt };
}

/** ロック / ロック解除. A locked account cannot sign in, and its sessions end at once. */
export async function setAccountLocked(
  services: Pick<Services, 'database' | 'accounts' | 'audit'>, actor: StaffActor, input: { accountId: string; locked: boolean },
): Promise<void> {
  const account = await services.accounts.findById(input.accountId);
  if (!account) throw new ReviewError('not_found');
  await accountRows(services).update({ id: account.id }, { locked: input.locked, updatedAt: new Date() });
  if (input.locked) await endEverySignInOf(services.database, account.id);
  await services.audit.record(input.locked ? 'account.locked' : 'account.unlocked', { accountId: account.id, ip: actor.ip, detail: { staffId: actor.id } });
}
