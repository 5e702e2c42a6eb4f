import type { AttributeMapping } from '../config/types.js';
import type { PersonName } from '../db/entities.js';
import type { DirectoryPerson, InvalidReason } from './directory.js';

/** The longest user ID an account can be keyed by (accounts.directory_id). */
export const MAX_USER_ID_LENGTH = 190;

/** Reads every value of one attribute or claim (an LDAP entry's or an ID token's). */
export type ValuesOf = (name: string) => string[];

export type MappedPerson =
  | { outcome: 'ok'; person: DirectoryPerson }
  | { outcome: 'invalid'; reason: InvalidReason; missing?: string };

function clean(value: string): string {
  return value.normalize('NFC').trim();
}

/**
 * Builds the student's record from a directory entry or upstream claims, as the configuration maps
 * them. Only a student whose status is one of `enrolledValues` may sign in; a record missing a
 * required item is refused too (and the audit log says which key of the mapping).
 */
export function mapPerson(
  valuesOf: ValuesOf,
  mapping: AttributeMapping,
  options: { enrolledValues: string[]; university: string },
): MappedPerson {
  const first = (name: string | undefined): string | undefined => {
    if (!name) return undefined;
    const value = valuesOf(name).map(clean).find((v) => v.length > 0);
    return value;
  };
  const statuses = valuesOf(mapping.status).map(clean);
  // Any one value may say "enrolled" (multi-valued attributes such as eduPersonAffiliation).
  const enrolled = statuses.some((status) => options.enrolledValues.includes(status));

  const required = ['userId', 'studentNumber', 'familyName', 'givenName', 'faculty', 'department'] as const;
  const values: Partial<Record<(typeof required)[number], string>> = {};
  for (const key of required) {
    const value = first(mapping[key]);
    if (!value) return { outcome: 'invalid', reason: 'incomplete', missing: key };
    values[key] = value;
  }
  if (!enrolled) return { outcome: 'invalid', reason: 'not_enrolled' };
  if (values.userId!.length > MAX_USER_ID_LENGTH) return { outcome: 'invalid', reason: 'incomplete', missing: 'userId' };

  const optionalName = (family: string | undefined, given: string | undefined): PersonName | undefined => {
    const f = first(family);
    const g = first(given);
    return f && g ? { family: f, given: g } : undefined;
  };
  return {
    outcome: 'ok',
    person: {
      userId: values.userId!,
      name: { family: values.familyName!, given: values.givenName! },
      nameKana: optionalName(mapping.familyNameKana, mapping.givenNameKana),
      nameLatin: optionalName(mapping.familyNameLatin, mapping.givenNameLatin),
      enrollments: [{
        student_number: values.studentNumber!,
        university: options.university,
        faculty: values.faculty!,
        department: values.department!,
        status: 'enrolled',
        graduated_on: null,
      }],
    },
  };
}
