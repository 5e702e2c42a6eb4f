import { credentialChangeForm } from '../credential-change-form.js';

/**
 * The screen of each user type: S5 (students: 現在の第2パスワード, 新しい第2パスワード, 確認) and G10 (graduates,
 * manual 002 §2.4(e): 旧第2パスワード, 新第2パスワード, 確認), with the message of a wrong current value.
 */
const LABELS = {
  student: { current: 'change_second_password.current_label', next: 'change_second_password.new_label', confirm: 'change_second_password.confirm_label', wrong: 'change_second_password.wrong_current' },
  graduate: { current: 'change_second_password.old_label', next: 'change_second_password.graduate_new_label', confirm: 'change_second_password.graduate_confirm_label', wrong: 'change_second_password.wrong_old' },
} as const;

export const SECOND_PASSWORD_SCREENS = {
  student: { labels: LABELS.student, form: credentialChangeForm('second_password', LABELS.student) },
  graduate: { labels: LABELS.graduate, form: credentialChangeForm('second_password', LABELS.graduate) },
} as const;
