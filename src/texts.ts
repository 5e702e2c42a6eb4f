import { accessibilityTexts } from './accessibility/texts.js';
import { accountTexts } from './account/texts.js';
import { applicationTexts } from './applications/texts.js';
import { credentialTexts } from './credentials/texts.js';
import { emailTexts } from './email-verification/texts.js';
import { graduateTexts } from './graduates/texts.js';
import { applyTexts } from './graduates/apply/texts.js';
import { graduateLoginTexts } from './graduates/login/texts.js';
import { passwordResetTexts } from './graduates/password-reset/texts.js';
import { enrollmentTexts } from './graduates/self-service/enrollment/texts.js';
import { personalDataTexts } from './graduates/self-service/personal-data/texts.js';
import { interactionTexts } from './interaction/texts.js';
import { reviewTexts } from './staff/review/texts.js';
import { staffTexts } from './staff/texts.js';
import { auditTexts } from './staff/audit/texts.js';
import { accountPageTexts } from './staff/accounts/texts.js';
import { staffPasswordTexts } from './staff/password/texts.js';
import { memberTexts } from './staff/members/texts.js';
import { studentTexts } from './students/texts.js';
import { commonTexts } from './web/common-texts.js';
import { Translations } from './web/texts.js';

/** Every table of screen texts (ja and en), as the translator composes them. */
export const TEXT_TABLES = [
  commonTexts, credentialTexts, emailTexts, applicationTexts,
  studentTexts, accountTexts, interactionTexts, staffTexts, reviewTexts, auditTexts, accountPageTexts, staffPasswordTexts, memberTexts,
  graduateTexts, applyTexts, graduateLoginTexts, passwordResetTexts, enrollmentTexts, personalDataTexts,
  accessibilityTexts,
] as const;

/** The one translator of the service (a key defined twice stops the start). */
export function createTranslations(): Translations {
  return new Translations(TEXT_TABLES);
}
