import type { GraduatesConfig } from '../../config/types.js';
import { checkUpload, DEFAULT_IMAGE_CAPS, type UploadCheck, type UploadLimits } from '../../uploads/index.js';
import { addError, type FieldErrors } from '../../web/forms.js';
import type { UploadedFile } from '../../web/multipart.js';
import type { Translate } from '../../web/texts.js';
import type { DocumentUpload } from './service.js';
import { isDocumentCaption } from '../../applications/view.js';
import type { ApplyTextKey } from './texts.js';

// 本人確認書類: the upload form (multipart), checked as a whole — a rejected file is reported and
// nothing of that upload is stored.

/** The size limit of one image as the page states it (MB, one decimal). */
export function maxMegabytes(graduates: GraduatesConfig): number {
  return Math.floor(graduates.uploads.maxBytes / 100_000) / 10;
}

/** graduates.uploads with the pixel caps' defaults. */
export function uploadLimits(graduates: GraduatesConfig): UploadLimits {
  const { maxBytes, maxWidth, maxHeight, maxPixels } = graduates.uploads;
  return {
    maxBytes,
    maxWidth: maxWidth ?? DEFAULT_IMAGE_CAPS.maxWidth,
    maxHeight: maxHeight ?? DEFAULT_IMAGE_CAPS.maxHeight,
    maxPixels: maxPixels ?? DEFAULT_IMAGE_CAPS.maxPixels,
  };
}

/** The message of a refused image: its name, and the limit it went over. */
function refusalMessage(t: Translate<ApplyTextKey>, graduates: GraduatesConfig, limits: UploadLimits, file: string, refused: Extract<UploadCheck, { ok: false }>): string {
  if (refused.reason !== 'dimensions') return t(`apply.error.${refused.reason}`, { file, size: maxMegabytes(graduates) });
  return t('apply.error.dimensions', {
    file, width: refused.width, height: refused.height, maxWidth: limits.maxWidth, maxHeight: limits.maxHeight,
    megapixels: Math.floor(limits.maxPixels / 100_000) / 10,
  });
}

export interface PostedUpload {
  fields: Record<string, string>;
  files: UploadedFile[];
  /** More files were sent than the parser took. */
  tooManyFiles: boolean;
  /** How many more images the application may hold. */
  room: number;
}

export type UploadFormResult = { ok: true; value: DocumentUpload } | { ok: false; errors: FieldErrors; documentType: string };

/** A known document type, one image at least and no more than there is room for, each a real still image within the size and pixel limits. */
export function documentUploadForm(graduates: GraduatesConfig, posted: PostedUpload, t: Translate<ApplyTextKey>): UploadFormResult {
  const documentType = posted.fields.document_type ?? '';
  const caption = posted.fields.caption ?? '';
  const errors: FieldErrors = {};
  if (!graduates.documentTypes.some((d) => d.id === documentType)) addError(errors, 'document_type', t('field.choose', { field: t('apply.document_type') }));
  if (caption !== '' && !isDocumentCaption(caption)) addError(errors, 'caption', t('field.choose', { field: t('apply.documents.caption') }));
  const files = posted.files.filter((f) => f.size > 0 || f.filename);
  if (!files.length) addError(errors, 'files', t('apply.error.no_file'));
  if (posted.room === 0 || posted.tooManyFiles || files.length > posted.room) addError(errors, 'files', t('apply.error.count', { count: graduates.uploads.maxFiles }));
  if (Object.keys(errors).length) return { ok: false, errors, documentType };
  const accepted: DocumentUpload['files'] = [];
  const limits = uploadLimits(graduates);
  for (const file of files) {
    const checked = checkUpload(file, limits);
    if (checked.ok) accepted.push({ type: checked.type, bytes: checked.bytes });
    else addError(errors, 'files', refusalMessage(t, graduates, limits, file.filename || t('apply.document_images'), checked));
  }
  if (Object.keys(errors).length) return { ok: false, errors, documentType };
  // A caption names one image; several chosen at once are labelled by their order (documentCaption).
  return { ok: true, value: { documentType, files: accepted, caption: isDocumentCaption(caption) && accepted.length === 1 ? caption : null } };
}
