import { InitialSchema1763700000000 } from './1763700000000-initial-schema.js';
import { PostalCodes1763750000000 } from './1763750000000-postal-codes.js';
import { Graduates1763800000000 } from './1763800000000-graduates.js';
import { StaffTotp1763900000000 } from './1763900000000-staff-totp.js';
import { PasswordHistory1764000000000 } from './1764000000000-password-history.js';
import { StaffEnrolmentLink1764100000000 } from './1764100000000-staff-enrolment-link.js';
import { ApplicationUsedKey1764210000000 } from './1764210000000-application-used-key.js';
import { SamlAssertionsSeen1764300000000 } from './1764300000000-saml-assertions-seen.js';
import { ReviewConsole1764320000000 } from './1764320000000-review-console.js';
import { StaffPasswordChange1764330000000 } from './1764330000000-staff-password-change.js';
import { ApplicationReceiptCaption1764340000000 } from './1764340000000-application-receipt-caption.js';
import { OidcPayloadSessionUid1764420000000 } from './1764420000000-oidc-payload-session-uid.js';
import { BackchannelLogouts1764430000000 } from './1764430000000-backchannel-logouts.js';

/** Every migration, in order. Listed explicitly so that no glob depends on the build output's layout. */
export const migrations = [InitialSchema1763700000000, PostalCodes1763750000000, Graduates1763800000000, StaffTotp1763900000000, PasswordHistory1764000000000, StaffEnrolmentLink1764100000000, ApplicationUsedKey1764210000000, SamlAssertionsSeen1764300000000, ReviewConsole1764320000000, StaffPasswordChange1764330000000, ApplicationReceiptCaption1764340000000, OidcPayloadSessionUid1764420000000, BackchannelLogouts1764430000000];
