import { defineTexts, type KeyOf } from '../web/texts.js';
import type { CommonTextKey } from '../web/common-texts.js';

// The rules of a new password or second password and the messages of a broken rule (DESIGN §5).
export const credentialTexts = defineTexts({
  'second_password.label': '第2パスワード',
  'second_password.rules_heading': '第2パスワードは下記ルールに従い設定してください。',
  'second_password.rule.min_length': '{min}文字以上であること。',
  'second_password.rule.uppercase': '1文字以上の半角英大文字(A-Z)が含まれること。',
  'second_password.rule.lowercase': '1文字以上の半角英小文字(a-z)が含まれること。',
  'second_password.rule.digit': '1文字以上の半角数字(0-9)が含まれること。',
  'second_password.rule.alphanumeric': '半角英数字以外を含まないこと。',
  'policy.reused': '{field}には最近使用したものと異なるものを設定してください。',
  'policy.too_short': '{field}は{min}文字以上で入力してください。',
  'policy.too_long': '{field}は{max}文字以内で入力してください。',
  'policy.needs_uppercase': '{field}には半角英大文字(A-Z)を1文字以上含めてください。',
  'policy.needs_lowercase': '{field}には半角英小文字(a-z)を1文字以上含めてください。',
  'policy.needs_digit': '{field}には半角数字(0-9)を1文字以上含めてください。',
  'policy.alphanumeric_only': '{field}には半角英数字以外を含めないでください。',
  'policy.too_common': '{field}は推測されやすいため使用できません。',
  'policy.same_as_current': '新しい{field}は現在のものと異なるものにしてください。',
  'policy.same_as_university': '{field}に大学のパスワードは設定できません。',
  'policy.same_as_initial': '初回パスワード以外のパスワードを設定してください。',
  'policy.passwords_equal': 'パスワードと第2パスワードは異なるものを設定してください。',
}, {
  'second_password.label': 'Second password',
  'second_password.rules_heading': 'Set the second password according to the following rules.',
  'second_password.rule.min_length': 'At least {min} characters.',
  'second_password.rule.uppercase': 'At least one half-width uppercase letter (A-Z).',
  'second_password.rule.lowercase': 'At least one half-width lowercase letter (a-z).',
  'second_password.rule.digit': 'At least one half-width digit (0-9).',
  'second_password.rule.alphanumeric': 'Nothing but half-width letters and digits.',
  'policy.reused': 'The {field} must differ from the ones you used recently.',
  'policy.too_short': 'The {field} must be at least {min} characters.',
  'policy.too_long': 'The {field} must be {max} characters or fewer.',
  'policy.needs_uppercase': 'The {field} must contain an uppercase letter (A-Z).',
  'policy.needs_lowercase': 'The {field} must contain a lowercase letter (a-z).',
  'policy.needs_digit': 'The {field} must contain a digit (0-9).',
  'policy.alphanumeric_only': 'The {field} may contain only half-width letters and digits.',
  'policy.too_common': 'The {field} is too easy to guess.',
  'policy.same_as_current': 'The new {field} must differ from the current one.',
  'policy.same_as_university': 'The {field} must not be your university password.',
  'policy.same_as_initial': 'Choose a password other than the initial password.',
  'policy.passwords_equal': 'The password and the second password must differ.',
});

/** The keys these screens may use: their own and those of the shared tables they build on. */
export type CredentialsTextKey = KeyOf<typeof credentialTexts> | CommonTextKey;
