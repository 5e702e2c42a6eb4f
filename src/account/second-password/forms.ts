import { credentialChangeForm } from '../credential-change-form.js';

/** S5 (students): 現在の第2パスワード, 新しい第2パスワード, 確認. */
export const changeSecondPasswordForm = credentialChangeForm('second_password', {
  current: 'change_second_password.current_label', next: 'change_second_password.new_label',
});
/** G10 (graduates, manual 002 §2.4(e)): 旧第2パスワード, 新第2パスワード, 確認. */
export const graduateChangeSecondPasswordForm = credentialChangeForm('second_password', {
  current: 'change_second_password.old_label', next: 'change_second_password.graduate_new_label',
});
