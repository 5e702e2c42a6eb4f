import type { GraduatesConfig } from '../../../config/types.js';
import { enrollmentFields } from '../../../applications/enrollments.js';
import { formValidatorFor } from '../../../applications/form.js';

/** G5's form: the enrolment items of the application form this deployment shows, with their rules. */
export function enrollmentForm(graduates: GraduatesConfig) {
  return formValidatorFor(enrollmentFields(graduates));
}
