import type { Context } from 'koa';
import type { InteractionDetails } from '../web/interaction.js';
import { pageOf, render } from '../web/render.js';
import type { InteractionTextKey } from './texts.js';

/** 在学生の方 / 卒業生の方: shown at login when graduates are served and the client pre-selected neither. */
export function renderChooser(ctx: Context, details: InteractionDetails): void {
  const { t } = pageOf<InteractionTextKey>(ctx);
  render(ctx, 'interaction/chooser', { title: t('chooser.title'), uid: details.uid });
}
