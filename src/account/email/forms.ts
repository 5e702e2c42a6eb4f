import { emailConfirmationForm } from '../../email-verification/forms.js';
import type { AccountTextKey } from '../texts.js';

/** S4/G7: 新しいメールアドレス and its 確認. */
export const changeEmailForm = emailConfirmationForm<AccountTextKey>('change_email.new_label');
