import { pino } from 'pino';

/**
 * Structured JSON logs. Nothing personal or secret is passed in; the redaction list is a second line
 * of defence for fields that must never appear.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: undefined,
  redact: {
    paths: ['password', '*.password', 'secondPassword', '*.secondPassword', 'token', '*.token', 'email', '*.email', 'req.headers.cookie', 'req.headers.authorization'],
    censor: '[redacted]',
  },
});
