import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import { lazyModule } from '../lazy-module.js';

// Loaded when the first mail is sent, not at start-up (about 10 MiB a replica may never need).
const nodemailer = lazyModule<typeof import('nodemailer')>('nodemailer');

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function smtpTransport(smtpUrl: string): MailTransport {
  let transporter: Transporter | undefined;
  return {
    async send(mail) {
      transporter ??= nodemailer().createTransport(smtpUrl);
      await transporter.sendMail(mail);
    },
    close() { transporter?.close(); },
  };
}

export interface DevOutboxEntry { file: string; date: string; to: string; subject: string; text: string }

/**
 * Development only: each mail is written as an .eml file (for any mail program) and a .json
 * summary that the /dev/outbox page lists.
 */
export function fileTransport(directory: string): MailTransport {
  const transporter = nodemailer().createTransport({ streamTransport: true, buffer: true });
  return {
    async send(mail) {
      await mkdir(directory, { recursive: true });
      const info = await transporter.sendMail(mail);
      const base = `${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
      await writeFile(path.join(directory, `${base}.eml`), info.message as Buffer);
      const entry: DevOutboxEntry = { file: `${base}.eml`, date: new Date().toISOString(), to: mail.to, subject: mail.subject, text: mail.text };
      await writeFile(path.join(directory, `${base}.json`), JSON.stringify(entry, null, 2));
    },
    close() { transporter.close(); },
  };
}

export async function readDevOutbox(directory: string): Promise<DevOutboxEntry[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const entries = await Promise.all(names.filter((n) => n.endsWith('.json')).map(async (name) =>
    JSON.parse(await readFile(path.join(directory, name), 'utf8')) as DevOutboxEntry));
  return entries.sort((a, b) => b.date.localeCompare(a.date));
}
