import { lazyModule } from '../../lazy-module.js';

// Loaded when the staff console first needs them, not at start-up (DESIGN §7: memory).
const otplib = lazyModule<typeof import('otplib')>('otplib');
const qrcode = lazyModule<typeof import('qrcode')>('qrcode');

// TOTP for the staff console (RFC 6238 as authenticator apps implement it): SHA-1, 6 digits, 30-second
// steps; a code of the previous or the next step is accepted too (clock drift), and each step only once.

export const TOTP_PERIOD_SECONDS = 30;
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS; // ±1 step

/** A new secret (160 random bits, base32 as authenticator apps expect it). */
export function newTotpSecret(): string {
  return otplib().generateSecret({ length: 20 });
}

/** What the user typed, without the spaces an app shows in the middle ("123 456"), or undefined. */
export function normalizeTotpCode(input: string): string | undefined {
  const code = input.normalize('NFKC').replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/** The time step a code belongs to (within ±1 step of now), or undefined for a wrong code. */
export async function matchTotp(secret: string, input: string, now = Date.now()): Promise<number | undefined> {
  const token = normalizeTotpCode(input);
  if (!token) return undefined;
  try {
    const result = await otplib().verify({
      secret, token, period: TOTP_PERIOD_SECONDS, digits: 6, epoch: Math.floor(now / 1000), epochTolerance: TOLERANCE_SECONDS,
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  } catch {
    return undefined;
  }
}

/** The code for a moment (tests and the enrolment page's own checks). */
export function totpCode(secret: string, at = Date.now()): Promise<string> {
  return otplib().generate({ secret, period: TOTP_PERIOD_SECONDS, digits: 6, epoch: Math.floor(at / 1000) });
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(issuer: string, label: string, secret: string): string {
  return otplib().generateURI({ issuer, label, secret, period: TOTP_PERIOD_SECONDS, digits: 6 });
}

/** The QR code as an SVG data: URL (the CSP allows data: images; no script is needed). */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await qrcode().toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The secret in groups of four, for typing it into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
