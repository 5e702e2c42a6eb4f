import { pino } from 'pino';
import { currentRequestId } from './ops/request-context.js';

/**
 * Structured JSON logs. Nothing personal or secret is passed in; the redaction list is a second line
 * of defence for fields that must never appear.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: undefined,
  // Every line written while a request runs carries its id (X-Request-Id).
  mixin() {
    const reqId = currentRequestId();
    return reqId ? { reqId } : {};
  },
  redact: {
    paths: [
      'password', '*.password', 'secondPassword', '*.secondPassword', 'token', '*.token', 'email', '*.email', 'req.headers.cookie', 'req.headers.authorization',
      'cookie', '*.cookie', 'authorization', '*.authorization', 'client_secret', '*.client_secret', 'access_token', 'refresh_token', 'id_token',
    ],
    censor: '[redacted]',
  },
});

/**
 * The access log: one line per request of fixed fields that are never personal (method, route
 * pattern, status, duration; the request id from the mixin). It skips the redaction pass, which
 * cost more than the rest of writing the line (about 10 µs of 14 per line, measured).
 */
export const accessLog = logger.child({}, { redact: [] });
