import { logger } from '../logger.js';
import type { MailContent } from '../mail/templates.js';
import type { Services } from '../services.js';

// What the staff actions of every flow share (decisions on applications, actions on accounts): who
// acts, the refusals the console explains, and mails that are queued once the change is saved.

export interface StaffActor { id: string; ip?: string | null }

export type ReviewProblem =
  | 'not_found'
  | 'email_taken'
  | 'account_required'
  | 'account_not_graduate'
  | 'incomplete_form'
  | 'comment_required'
  | 'not_initial'
  /** Another request reissued the initial password a moment before this one. */
  | 'already_reissued'
  | 'no_email'
  | 'student_number_taken'
  /** Another approval of the same student number held it for longer than a decision waits. */
  | 'student_number_busy'
  | 'not_applicable'
  /** The application changed since the deciding staff member opened it (another decision, a resubmission). */
  | 'changed'
  /** Four-eyes: the second confirmation must come from another staff member. */
  | 'same_staff'
  /** A standard reason that the configuration does not (or no longer) list. */
  | 'unknown_reason';

/** An action that cannot be done as asked; the console shows a message for each problem (staff.error.*). */
export class ReviewError extends Error {
  override name = 'ReviewError';
  constructor(readonly problem: ReviewProblem) {
    super(problem);
  }
}

/** Queues a mail; false (and logged, without the content) when even that failed. */
export async function queueMail(services: Pick<Services, 'sendMail'>, to: string, content: MailContent): Promise<boolean> {
  try {
    await services.sendMail(to, content);
    return true;
  } catch (error) {
    logger.error({ err: (error as Error).name, subject: content.subject }, 'staff decision: mail could not be queued');
    return false;
  }
}
