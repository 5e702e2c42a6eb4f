import { expect } from 'chai';
import { AWAITING_REVIEW, applicantMayEdit, nextStatus, type ApplicationAction } from '../../src/applications/state-machine.js';
import type { ApplicationStatus } from '../../src/db/entities.js';

// The application's state machine (DESIGN §2.2 G1/G2) on its own: every (status, action) pair, the
// statuses in which the applicant may edit, and those in which staff have to decide.

// Every status and every action, checked by the compiler: a new one fails to compile here until the
// tables below say what it may do.
const STATUSES = Object.keys({
  draft: true, submitted: true, resubmission_requested: true, resubmitted: true, approved: true, rejected: true,
} satisfies Record<ApplicationStatus, true>) as ApplicationStatus[];
const ACTIONS = Object.keys({
  submit: true, request_resubmission: true, resubmit: true, approve: true, reject: true,
} satisfies Record<ApplicationAction, true>) as ApplicationAction[];

/** The allowed transitions: status → action → next status. Every pair not listed is refused. */
const ALLOWED: Partial<Record<ApplicationStatus, Partial<Record<ApplicationAction, ApplicationStatus>>>> = {
  draft: { submit: 'submitted' },
  submitted: { request_resubmission: 'resubmission_requested', approve: 'approved', reject: 'rejected' },
  resubmission_requested: { resubmit: 'resubmitted' },
  resubmitted: { request_resubmission: 'resubmission_requested', approve: 'approved', reject: 'rejected' },
  // approved and rejected are final: nothing leads out of them.
};

describe('application state machine (nextStatus, applicantMayEdit, AWAITING_REVIEW)', () => {
  describe('nextStatus over every status × action', () => {
    for (const status of STATUSES) {
      for (const action of ACTIONS) {
        const expected = ALLOWED[status]?.[action];
        it(expected ? `${status} --${action}--> ${expected}` : `${status}: ${action} is refused`, () => {
          expect(nextStatus(status, action)).to.equal(expected);
        });
      }
    }

    it('the table covers 8 allowed transitions of the 30 pairs', () => {
      const allowed = STATUSES.flatMap((status) => ACTIONS.filter((action) => nextStatus(status, action) !== undefined));
      expect(STATUSES.length * ACTIONS.length).to.equal(30);
      expect(allowed).to.have.length(8);
    });

    it('approved and rejected are final', () => {
      for (const status of ['approved', 'rejected'] as const) {
        for (const action of ACTIONS) expect(nextStatus(status, action), `${status} ${action}`).to.equal(undefined);
      }
    });
  });

  describe('applicantMayEdit', () => {
    const editable: ApplicationStatus[] = ['draft', 'resubmission_requested'];
    for (const status of STATUSES) {
      const may = editable.includes(status);
      it(`${status}: the applicant ${may ? 'may' : 'may not'} edit it`, () => {
        expect(applicantMayEdit(status)).to.equal(may);
      });
    }

    it('the applicant may edit exactly where an action of the applicant (submit, resubmit) leads on', () => {
      for (const status of STATUSES) {
        const applicantCanAct = (['submit', 'resubmit'] as const).some((action) => nextStatus(status, action) !== undefined);
        expect(applicantMayEdit(status), status).to.equal(applicantCanAct);
      }
    });
  });

  describe('AWAITING_REVIEW', () => {
    it('is submitted and resubmitted', () => {
      expect(AWAITING_REVIEW).to.have.members(['submitted', 'resubmitted']);
      expect(AWAITING_REVIEW).to.have.length(2);
    });

    it('holds exactly the statuses in which staff may approve, reject or ask for resubmission', () => {
      for (const status of STATUSES) {
        for (const action of ['approve', 'reject', 'request_resubmission'] as const) {
          expect(nextStatus(status, action) !== undefined, `${status} ${action}`).to.equal(AWAITING_REVIEW.includes(status));
        }
      }
    });

    it('no status awaits review and is editable by the applicant at once', () => {
      for (const status of AWAITING_REVIEW) expect(applicantMayEdit(status), status).to.equal(false);
    });
  });
});
