import { credentialChangeForm } from '../credential-change-form.js';

/** G9: 現在のパスワード, 新しいパスワード, 確認. */
export const changePasswordForm = credentialChangeForm('password', { current: 'change_password.current_label', next: 'change_password.new_label', confirm: 'change_password.confirm_label' });
