import type { JSONSchemaType } from 'ajv';
import { defineForm } from '../web/forms.js';
import type { AccountTextKey } from './texts.js';

/** A change of a password or second password: the current value, the new one and its 確認. */
export type CredentialChangeForm<F extends string> = { current: string } & Record<F | `${F}_confirm`, string>;

/** The form of such a change; `labels` name the current value, the new one and its 確認 as the screen does. */
export function credentialChangeForm<F extends 'password' | 'second_password'>(field: F, labels: { current: AccountTextKey; next: AccountTextKey; confirm: AccountTextKey }) {
  const confirm = `${field}_confirm` as const;
  return defineForm<CredentialChangeForm<F>, AccountTextKey>({
    schema: {
      type: 'object',
      properties: {
        current: { type: 'string', minLength: 1, maxLength: 128 },
        // A new value: the policy accepts up to 64 characters (its own check says so more precisely).
        [field]: { type: 'string', minLength: 1, maxLength: 64 },
        [confirm]: { type: 'string', minLength: 1, maxLength: 64 },
      },
      required: ['current', field, confirm],
      additionalProperties: false,
    } as unknown as JSONSchemaType<CredentialChangeForm<F>>,
    labels: { current: labels.current, [field]: labels.next, [confirm]: labels.confirm } as Partial<Record<keyof CredentialChangeForm<F> & string, AccountTextKey>>,
  });
}
