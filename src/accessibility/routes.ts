import Router from '@koa/router';
import type { AppConfig } from '../config/types.js';
import { pageOf, render } from '../web/render.js';
import type { AccessibilityTextKey } from './texts.js';

export const ACCESSIBILITY_PATH = '/accessibility';

/** GET /accessibility: アクセシビリティ方針, linked from the footer of every page (views/layout.pug). */
export function accessibilityRoutes(config: Pick<AppConfig, 'branding' | 'lifetimes'>): Router {
  const router = new Router();
  router.get(ACCESSIBILITY_PATH, (ctx) => {
    const { t, lang } = pageOf<AccessibilityTextKey>(ctx);
    const params = { service: config.branding.serviceName[lang], contact: config.branding.contact[lang], minutes: config.lifetimes.oneTimeUrlMinutes };
    // A list's items are joined by line breaks when its placeholders are filled.
    const paragraphs = (key: AccessibilityTextKey) => t(key, params).split('\n');
    render(ctx, 'accessibility', {
      title: t('accessibility.title'),
      sections: [
        { heading: t('accessibility.policy_heading'), paragraphs: paragraphs('accessibility.policy') },
        { heading: t('accessibility.scope_heading'), paragraphs: [t('accessibility.scope', params), t('accessibility.scope_excluded')] },
        { heading: t('accessibility.target_heading'), paragraphs: [t('accessibility.target'), t('accessibility.status'), t('accessibility.status_note')] },
        { heading: t('accessibility.tests_heading'), items: paragraphs('accessibility.tests') },
        { heading: t('accessibility.gaps_heading'), items: paragraphs('accessibility.gaps') },
        { heading: t('accessibility.contact_heading'), paragraphs: [t('accessibility.contact', params)] },
      ],
    });
  });
  return router;
}
