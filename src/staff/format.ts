// Dates on staff pages and in staff mails: the office works in Japan time, whatever the server's time zone.

const japanTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

function partsOf(date: Date): (type: Intl.DateTimeFormatPartTypes) => string {
  const parts = japanTime.formatToParts(date);
  return (type) => parts.find((p) => p.type === type)?.value ?? '';
}

/** YYYY/MM/DD in Japan time (as the office reads a date in a mail). */
export function formatDate(date: Date): string {
  const get = partsOf(date);
  return `${get('year')}/${get('month')}/${get('day')}`;
}

/** YYYY/MM/DD HH:mm:ss in Japan time; '' for no date. */
export function formatDateTime(date: Date | null | undefined): string {
  if (!date) return '';
  const get = partsOf(date);
  return `${get('year')}/${get('month')}/${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}
