import Router from '@koa/router';
import type { Context } from 'koa';
import type { PersonalDataGroup } from '../../../config/types.js';
import { reauthenticationRedirect } from '../../../sessions/reauthentication.js';
import { formPost } from '../../../web/form-body.js';
import { addError, type FieldErrors } from '../../../web/forms.js';
import type { WebDeps } from '../../../web/interaction.js';
import { pageOf, render, renderMessage } from '../../../web/render.js';
import { joinList, type Translate } from '../../../web/texts.js';
import { searchAddress } from '../../../applications/address-search.js';
import { SELF_SERVICE_PATHS } from '../../../applications/paths.js';
import { currentPersonalValues, groupOf, pendingPersonalRequests, reviewedGroups } from '../../../applications/personal-data.js';
import { applicationSections, applicationSummary } from '../../../applications/view.js';
import { csrfErrors, graduateOf, graduateSessionOf, menuLink, signedInGraduate } from '../graduate-only.js';
import { personalDataForm } from './forms.js';
import { changePersonalData, checkPersonalChange } from './service.js';
import type { PersonalDataTextKey } from './texts.js';

const PERSONAL = SELF_SERVICE_PATHS.personal;

/** How a sentence lists the groups of items. */

/** G6 個人情報設定・変更 (manual 002 §2.4(a)): the form → 確認 → 変更 → 変更完了, for a signed-in graduate. */
export function personalDataRoutes(deps: WebDeps): Router {
  const { services } = deps;
  const router = new Router();
  const graduates = services.config.graduates;
  if (!graduates) return router;
  const form = personalDataForm(graduates);
  const { postalCodes } = services;
  const graduate = signedInGraduate(deps);

  const groupList = (ctx: Context, groups: readonly PersonalDataGroup[]) => {
    const { t, lang } = pageOf<PersonalDataTextKey>(ctx);
    return joinList(lang, groups.map((group) => t(`self.group.${group}`)));
  };
  const pendingErrors = (t: Translate<PersonalDataTextKey>, fields: readonly string[]) => {
    const errors: FieldErrors = {};
    for (const field of fields) addError(errors, field, t('personal.pending_field'));
    return errors;
  };

  const personalPage = async (
    ctx: Context, extra: { values?: Record<string, string>; errors?: FieldErrors; postalMessage?: { text: string; tone: 'info' | 'error' } } = {}, status = 200,
  ) => {
    const { t } = pageOf<PersonalDataTextKey>(ctx);
    const account = graduateOf(ctx);
    const pendingGroups = [...new Set((await pendingPersonalRequests(services, account.id)).flatMap((p) => p.groups))];
    const shownReviewed = [...reviewedGroups(graduates)].filter((g) => form.fields.some((f) => groupOf(f) === g));
    render(ctx, 'graduates/self-service/form', {
      title: t('personal.title'), action: PERSONAL, lead: t('personal.lead'), notes: t.list('personal.notes'), backHref: '/account',
      reviewNote: shownReviewed.length ? t('personal.review_note', { fields: groupList(ctx, shownReviewed) }) : undefined,
      pendingNote: pendingGroups.length ? t('personal.pending', { fields: groupList(ctx, pendingGroups) }) : undefined,
      sections: applicationSections(t, form.fields, []),
      values: extra.values ?? currentPersonalValues(account, form.fields),
      errors: extra.errors, postalMessage: extra.postalMessage,
    }, status);
  };

  /** The posted values, validated; a 検索 (the no-script path) or a broken rule answers with the form itself. */
  async function readPersonal(ctx: Context): Promise<{ values: Record<string, string> } | undefined> {
    const { t } = pageOf<PersonalDataTextKey>(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const { result, input } = form.read(body, t);
    const search = await searchAddress(postalCodes, body.action, input, t);
    if (search) return void await personalPage(ctx, { values: search.values, postalMessage: search.message });
    if (!result.ok) return void await personalPage(ctx, { values: input, errors: result.errors }, 400);
    return { values: input };
  }
  /** CSRF refused: the form again, with what was typed. */
  const posted = formPost({
    onCsrfRejected: (ctx) => personalPage(ctx, { values: form.read(ctx.request.body as Record<string, unknown>, pageOf<PersonalDataTextKey>(ctx).t).input, errors: csrfErrors(ctx) }, 403),
  });

  // A sensitive change: an old sign-in types the password again first (src/sessions/reauthentication.ts).
  router.get(PERSONAL, graduate, async (ctx) => {
    const confirm = await reauthenticationRedirect(services, graduateSessionOf(ctx), PERSONAL);
    if (confirm) return ctx.redirect(confirm);
    await personalPage(ctx);
  });

  // 確認: the values travel in the confirmation form and are validated again at 変更.
  router.post(PERSONAL, graduate, posted, async (ctx) => {
    const { t } = pageOf<PersonalDataTextKey>(ctx);
    const read = await readPersonal(ctx);
    if (!read) return;
    const check = await checkPersonalChange(services, graduateOf(ctx), read.values);
    if (check.kind === 'no_change') return personalPage(ctx, { values: read.values, errors: addError({}, 'form', t('personal.no_change')) }, 400);
    if (check.kind === 'pending') return personalPage(ctx, { values: read.values, errors: pendingErrors(t, check.fields) }, 409);
    // The changed items whose group waits for staff are marked on the confirmation.
    const sections = applicationSections(t, form.fields, []);
    const marked = applicationSummary(sections, read.values).map((section, s) => ({
      ...section,
      rows: section.rows.map((row, i) => {
        const name = sections[s]!.fields[i]!.name;
        return { ...row, reviewed: check.changed.some((f) => f === name) && check.reviewed.has(groupOf(name)!) };
      }),
    }));
    render(ctx, 'graduates/self-service/confirm', {
      title: t('personal.confirm_title'), lead: t('personal.confirm_lead'), summary: marked, action: `${PERSONAL}/confirm`,
      hidden: Object.fromEntries(form.fields.map((f) => [f, read.values[f] ?? ''])), submitLabel: t('personal.change'), editHidden: true,
    });
  });

  // 変更 → 変更完了 (or 修正: back to the form with the values).
  router.post(`${PERSONAL}/confirm`, graduate, posted, async (ctx) => {
    const { t } = pageOf<PersonalDataTextKey>(ctx);
    const read = await readPersonal(ctx);
    if (!read) return;
    if ((ctx.request.body as Record<string, unknown>).action === 'edit') return personalPage(ctx, { values: read.values });
    const confirm = await reauthenticationRedirect(services, graduateSessionOf(ctx), PERSONAL);
    if (confirm) return ctx.redirect(confirm);
    const result = await changePersonalData(services, { account: graduateOf(ctx), values: read.values, ip: ctx.ip });
    if (result.kind === 'no_change') return personalPage(ctx, { values: read.values, errors: addError({}, 'form', t('personal.no_change')) }, 400);
    if (result.kind === 'pending') return personalPage(ctx, { values: read.values, errors: pendingErrors(t, result.fields) }, 409);
    const paragraphs = [
      ...(result.changed.length ? [t('personal.done')] : []),
      ...(result.requested.length ? [t('personal.done_review', { fields: groupList(ctx, result.requested) })] : []),
    ];
    renderMessage(ctx, { title: t('personal.done_title'), paragraphs, link: menuLink(ctx) });
  });

  return router;
}
