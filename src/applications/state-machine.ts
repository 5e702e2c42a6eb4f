import type { ApplicationStatus } from '../db/entities.js';

// The life of an application (DESIGN §2.2 G1/G2): the state machine that the applicant's pages, the
// staff console and the tests all use.

export type ApplicationAction = 'submit' | 'request_resubmission' | 'resubmit' | 'approve' | 'reject';

const transitions: Record<ApplicationAction, { from: ApplicationStatus[]; to: ApplicationStatus }> = {
  submit: { from: ['draft'], to: 'submitted' },
  request_resubmission: { from: ['submitted', 'resubmitted'], to: 'resubmission_requested' },
  resubmit: { from: ['resubmission_requested'], to: 'resubmitted' },
  approve: { from: ['submitted', 'resubmitted'], to: 'approved' },
  reject: { from: ['submitted', 'resubmitted'], to: 'rejected' },
};

/** The status an action leads to, or undefined when the action is not allowed in this status. */
export function nextStatus(current: ApplicationStatus, action: ApplicationAction): ApplicationStatus | undefined {
  const rule = transitions[action];
  return rule.from.includes(current) ? rule.to : undefined;
}

/** Statuses in which staff have to decide. */
export const AWAITING_REVIEW: ApplicationStatus[] = ['submitted', 'resubmitted'];

/** Statuses in which the applicant may edit the form and its documents. */
export function applicantMayEdit(status: ApplicationStatus): boolean {
  return status === 'draft' || status === 'resubmission_requested';
}
