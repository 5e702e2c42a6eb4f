import type { Context } from 'koa';
import type { FieldErrors } from '../../web/forms.js';
import type { InteractionDetails, WebDeps } from '../../web/interaction.js';
import { pageOf, render } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';

export interface LoginScreenOptions { errors?: FieldErrors; values?: Record<string, unknown>; failed?: boolean }

/** 在学生ログイン with ユーザID, パスワード and 第2パスワード (the university's directory checks the first two). */
export function passwordLoginScreen({ services }: Pick<WebDeps, 'services'>) {
  const { config } = services;
  return (ctx: Context, details: InteractionDetails, options: LoginScreenOptions = {}): void => {
    const { t, lang } = pageOf<StudentTextKey>(ctx);
    render(ctx, 'students/login', {
      title: t('login.student.title'),
      uid: details.uid,
      notes: config.branding.studentLoginNotes[lang],
      errors: options.errors,
      values: options.values,
      failed: options.failed,
      chooser: Boolean(config.graduates) && !details.params.login_type,
    });
  };
}
