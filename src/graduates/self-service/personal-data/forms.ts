import type { GraduatesConfig } from '../../../config/types.js';
import { formValidatorFor } from '../../../applications/form.js';
import { personalFields } from '../../../applications/personal-data.js';

/**
 * G6's form: the personal items of the application form this deployment shows, with their rules.
 * Every item is in the values read (an item left empty clears it).
 */
export function personalDataForm(graduates: GraduatesConfig) {
  const validator = formValidatorFor(personalFields(graduates));
  return {
    fields: validator.fields,
    read(body: Record<string, unknown>, t: Parameters<typeof validator.validate>[1]) {
      const { result, input } = validator.validate(body, t);
      for (const field of validator.fields) input[field] ??= '';
      return { result, input };
    },
  };
}
