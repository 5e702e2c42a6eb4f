import type { AppConfig } from './types.js';

// The office's time zone (the configuration's top-level `timeZone`): the staff console shows every
// time in it, and its audit log's date filters mean its days.

/** The office's time zone when the configuration names none. */
export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';

/** True when the runtime knows this IANA time zone (e.g. Asia/Tokyo, Europe/Berlin, UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The configured time zone (validated at start-up by load.ts), or Asia/Tokyo. */
export function timeZoneOf(config: Pick<AppConfig, 'timeZone'>): string {
  return config.timeZone ?? DEFAULT_TIME_ZONE;
}
