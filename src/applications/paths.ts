// The applicant's URLs that mails and the staff console link to.

/** G1: the mailed URL that opens (or reopens, after a resubmission request) an application. */
export const APPLY_PATHS = { continue: '/graduates/apply/continue' } as const;

/** G5 and G6, on the account menu's session. */
export const SELF_SERVICE_PATHS = {
  enrollmentNew: '/account/enrollments/new',
  enrollmentContinue: '/account/enrollments/continue',
  personal: '/account/personal',
} as const;
