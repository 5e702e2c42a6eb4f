// Times on staff pages: the office works in Japan time, whatever the server's time zone.

const dateTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** YYYY/MM/DD HH:mm:ss in Japan time; '' for no date. */
export function formatDateTime(date: Date | null | undefined): string {
  if (!date) return '';
  const parts = dateTime.formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}/${get('month')}/${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}
