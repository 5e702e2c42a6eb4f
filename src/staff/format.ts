// Dates on staff pages and in staff mails, in the office's time zone (the top-level `timeZone` of the
// configuration, default Asia/Tokyo), whatever the server's own time zone is.

import { DEFAULT_TIME_ZONE } from '../config/time-zone.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function partsOf(date: Date, timeZone: string): (type: Intl.DateTimeFormatPartTypes) => string {
  const parts = formatterOf(timeZone).formatToParts(date);
  return (type) => parts.find((p) => p.type === type)?.value ?? '';
}

/** YYYY/MM/DD in the time zone (as the office reads a date in a mail). */
export function formatDate(date: Date, timeZone = DEFAULT_TIME_ZONE): string {
  const get = partsOf(date, timeZone);
  return `${get('year')}/${get('month')}/${get('day')}`;
}

/** YYYY/MM/DD HH:mm:ss in the time zone; '' for no date. */
export function formatDateTime(date: Date | null | undefined, timeZone = DEFAULT_TIME_ZONE): string {
  if (!date) return '';
  const get = partsOf(date, timeZone);
  return `${get('year')}/${get('month')}/${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** How far the zone's wall clock is ahead of UTC at this instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const get = partsOf(new Date(instant), timeZone);
  const wall = Date.UTC(Number(get('year')), Number(get('month')) - 1, Number(get('day')), Number(get('hour')), Number(get('minute')), Number(get('second')));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a calendar day (YYYY-MM-DD) begins in the time zone: the audit log's date filters mean
 * the office's days, not UTC's. Daylight-saving zones are handled by checking the offset once more.
 */
export function startOfDay(day: string, timeZone = DEFAULT_TIME_ZONE): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, date);
  let instant = wall - offsetAt(wall, timeZone);
  instant = wall - offsetAt(instant, timeZone);
  return new Date(instant);
}
