// `npm run create-staff -- --login <id> --name <display name> --role administrator|reviewer`
// Creates a staff user of the console at /admin (the first administrator; later ones can also be
// added in the console). The password is read from standard input — typed without echo on a terminal
// (twice), or the first line of a pipe — and never appears in the arguments, the shell history or a
// log. Pending migrations are applied first. It prints the user's enrolment link: only that link
// (one use, lifetimes.staffEnrolmentHours) opens the TOTP enrolment at the first sign-in.
// `npm run create-staff -- --login <id> --enrolment-link` issues a new enrolment link for an existing
// user instead (an expired link, a lost authenticator): their current authenticator stops working.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/audit-log.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { createDataSource } from '../db/data-source.js';
import { PasswordHasher } from '../credentials/hashing.js';
import { createStaffUser, reissueEnrolmentLink, type EnrolmentLink } from '../staff/members/service.js';

const USAGE = [
  'usage: npm run create-staff -- --login <login id> --name <display name> --role administrator|reviewer  (password on standard input)',
  '       npm run create-staff -- --login <login id> --enrolment-link  (a new enrolment link for an existing staff user)',
].join('\n');

export type CreateStaffArgs = { login: string; name: string; role: string; enrolmentLink?: false } | { login: string; enrolmentLink: true };

export function parseCreateStaffArgs(argv: string[]): CreateStaffArgs | undefined {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        login: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, 'enrolment-link': { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (!values.login) return undefined;
    if (values['enrolment-link']) return values.name || values.role ? undefined : { login: values.login, enrolmentLink: true };
    const role = values.role ?? 'administrator';
    if (!values.name) return undefined;
    return { login: values.login, name: values.name, role };
  } catch {
    return undefined;
  }
}

/** The enrolment link as the operator hands it over (the only place it is ever shown). */
function printLink(link: EnrolmentLink): void {
  process.stdout.write(`enrolment link (one use, until ${link.expiresAt.toISOString()}); hand it over with the password, it alone opens the TOTP enrolment:\n${link.url}\n`);
}

/** One line from a terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let line = '';
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          done();
          process.stderr.write('\n');
          return resolve(line);
        }
        if (char === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password: ');
    const second = await promptHidden('Password (again): ');
    if (first !== second) throw new Error('the two passwords differ');
    return first;
  }
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

async function main(): Promise<number> {
  const args = parseCreateStaffArgs(process.argv.slice(2));
  if (!args) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`create-staff: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const password = args.enrolmentLink ? '' : await readPassword();
  const url = config.env.databaseUrl;
  const database = createDataSource({ url, sqliteFile: url ? undefined : path.join(config.env.dataDir, 'cert-idp.sqlite') });
  await database.dataSource.initialize();
  try {
    await database.dataSource.runMigrations({ transaction: 'each' });
    if (args.enrolmentLink) {
      const reissued = await reissueEnrolmentLink({ config, database, audit: new AuditLog(database) }, args.login);
      if (reissued.kind === 'not_found') {
        process.stderr.write(`create-staff: no staff user ${args.login}\n`);
        return 1;
      }
      process.stdout.write(`new enrolment link for ${reissued.staff.role} ${reissued.staff.loginId}; the current authenticator no longer works\n`);
      printLink(reissued.enrolment);
      return 0;
    }
    const result = await createStaffUser(
      { config, database, hasher: new PasswordHasher(config.passwordHashing), audit: new AuditLog(database) },
      { loginId: args.login, displayName: args.name, role: args.role, password },
    );
    if (result.kind === 'exists') {
      process.stderr.write(`create-staff: the login id ${args.login} is already taken\n`);
      return 1;
    }
    if (result.kind === 'invalid') {
      const problems = [
        ...(result.loginId ? ['--login: 3 to 64 letters, digits and . _ - @'] : []),
        ...(result.displayName ? ['--name: 1 to 100 characters'] : []),
        ...(result.role ? ['--role: administrator or reviewer'] : []),
        ...(result.password.length ? [`password refused by the password policy: ${result.password.join(', ')}`] : []),
      ];
      process.stderr.write(`create-staff: ${problems.join('; ')}\n`);
      return 1;
    }
    process.stdout.write(`created ${result.staff.role} ${result.staff.loginId} (${result.staff.displayName})\n`);
    printLink(result.enrolment);
    return 0;
  } finally {
    await database.dataSource.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = await main();
  } catch (error) {
    process.stderr.write(`create-staff failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
