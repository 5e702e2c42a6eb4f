import type { Context } from 'koa';
import type { FieldErrors } from '../../web/forms.js';
import type { InteractionDetails, WebDeps } from '../../web/interaction.js';
import { pageOf, render } from '../../web/render.js';
import type { StudentTextKey } from '../texts.js';
import { awaitingSecondPassword } from './service.js';

export interface FederatedLoginOptions { errors?: FieldErrors; failed?: boolean }

/**
 * The student login page when the university signs students in through its IdP (OpenID Connect or SAML):
 * the SSO button first; once the IdP vouched for the student, the second password alone.
 */
export function federatedLoginScreen({ services }: Pick<WebDeps, 'services'>) {
  return async (ctx: Context, details: InteractionDetails, options: FederatedLoginOptions = {}): Promise<void> => {
    const { t, lang } = pageOf<StudentTextKey>(ctx);
    const common = {
      title: t('login.student.title'),
      uid: details.uid,
      notes: services.config.branding.studentLoginNotes[lang],
    };
    if (await awaitingSecondPassword(services, details.uid)) {
      return render(ctx, 'students/sso-second-password', { ...common, errors: options.errors, failed: options.failed });
    }
    const { oidc, saml } = services.config.directory;
    const buttonText = (oidc ?? saml)?.buttonText[lang] ?? t('sso.button');
    render(ctx, 'students/login-sso', { ...common, buttonText });
  };
}
