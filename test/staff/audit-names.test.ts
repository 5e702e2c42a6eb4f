import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AUDIT_EVENT_NAMES } from '../../src/staff/audit-events.js';
import { csvCell, csvFile } from '../../src/staff/audit/csv.js';
import { formatDateTime, startOfDay } from '../../src/staff/format.js';
import { DEFAULT_TIME_ZONE, isKnownTimeZone, timeZoneOf } from '../../src/config/time-zone.js';
import { loadConfig, validateConfigFile } from '../../src/config/load.js';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { refusal } from '../support/config.js';

// The audit log's names of events (ja/en) against every code the sources emit, the CSV cells, and the
// console's time zone (plain functions; the screens are tested in audit.test.ts).

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(entries.map((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : Promise.resolve(full.endsWith('.ts') ? [full] : []);
  }));
  return files.flat();
}

/** A code as the audit log spells them: lower-case words with dots (one or two), e.g. staff.login_failed. */
const CODE = /'([a-z_]+\.[a-z_]+)'/g;

/**
 * Every audit code the sources emit: the literals in the first argument of each audit `record(`
 * call (also a conditional one), the values of the event maps such calls index (EVENTS[...]), the
 * `event:` of reset links, and the AuditEvent type's members.
 */
async function emittedCodes(): Promise<Map<string, string>> {
  const codes = new Map<string, string>();
  for (const file of await sourceFiles(path.resolve('src'))) {
    const source = await readFile(file, 'utf8');
    const where = path.relative(process.cwd(), file);
    for (const call of source.matchAll(/\.record\(\s*([^,{]+),/g)) {
      for (const [, code] of call[1]!.matchAll(CODE)) codes.set(code!, where);
    }
    for (const map of source.matchAll(/const EVENTS = \{([^}]*)\}/g)) {
      for (const [, value] of map[1]!.matchAll(/:\s*'([a-z_]+\.[a-z_]+)'/g)) codes.set(value!, where);
    }
    for (const [, code] of source.matchAll(/\bevent: '([a-z_]+\.[a-z_]+)'/g)) codes.set(code!, where);
  }
  const log = await readFile(path.resolve('src/audit/audit-log.ts'), 'utf8');
  const union = log.slice(log.indexOf('export type AuditEvent'), log.indexOf(';', log.indexOf('export type AuditEvent')));
  for (const [, code] of union.matchAll(/\| '([a-z_.]+)'/g)) codes.set(code!, 'src/audit/audit-log.ts');
  return codes;
}

describe('audit log: event names', () => {
  it('names every audit code the sources emit, in Japanese and English', async () => {
    const codes = await emittedCodes();
    // The scan finds the codes of every kind of call (a check that it still reads the sources).
    for (const code of ['login.success', 'staff.login_failed', 'staff.totp_reset', 'password.reset_requested', 'logout', 'email.registered', 'application.submitted']) {
      expect(codes.has(code), code).to.equal(true);
    }
    const unnamed = [...codes].filter(([code]) => !Object.hasOwn(AUDIT_EVENT_NAMES, code)).map(([code, file]) => `${code} (${file})`);
    expect(unnamed, 'audit codes without a name in src/staff/audit-events.ts').to.deep.equal([]);
    for (const [code, names] of Object.entries(AUDIT_EVENT_NAMES)) {
      expect(names.ja, code).to.match(/\S/).and.not.equal(code);
      expect(names.en, code).to.match(/\S/).and.not.equal(code);
    }
    const japanese = Object.values(AUDIT_EVENT_NAMES).map((n) => n.ja);
    expect(new Set(japanese).size, 'two events with the same name').to.equal(japanese.length);
  });
});

describe('audit log: CSV', () => {
  it('quotes every cell and defuses what a spreadsheet would run as a formula', () => {
    expect(csvCell('plain')).to.equal('"plain"');
    expect(csvCell('say "hi", then\nleave')).to.equal('"say ""hi"", then\nleave"');
    for (const formula of ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', '＝1+1']) {
      expect(csvCell(formula).startsWith(`"'`), formula).to.equal(true);
    }
    expect(csvCell('a=b')).to.equal('"a=b"');
    const file = csvFile(['日時', 'イベント'], [['2026/01/01 00:00:00', '=1+2']]);
    expect(file.startsWith('\uFEFF"日時","イベント"\r\n')).to.equal(true);
    expect(file).to.contain('"\'=1+2"\r\n');
  });
});

describe('staff console: time zone', () => {
  it('shows times and reads the date filters in the configured zone (default Asia/Tokyo)', () => {
    const instant = new Date('2026-01-10T15:30:00Z');
    expect(timeZoneOf({})).to.equal('Asia/Tokyo').and.equal(DEFAULT_TIME_ZONE);
    expect(timeZoneOf({ timeZone: 'UTC' })).to.equal('UTC');
    expect(formatDateTime(instant)).to.equal('2026/01/11 00:30:00');
    expect(formatDateTime(instant, 'UTC')).to.equal('2026/01/10 15:30:00');
    expect(formatDateTime(instant, 'America/New_York')).to.equal('2026/01/10 10:30:00');
    expect(startOfDay('2026-01-11').toISOString()).to.equal('2026-01-10T15:00:00.000Z');
    expect(startOfDay('2026-01-11', 'UTC').toISOString()).to.equal('2026-01-11T00:00:00.000Z');
    // Daylight saving: New York is UTC-5 in winter and UTC-4 in summer; the day of the change too.
    expect(startOfDay('2026-01-11', 'America/New_York').toISOString()).to.equal('2026-01-11T05:00:00.000Z');
    expect(startOfDay('2026-07-01', 'America/New_York').toISOString()).to.equal('2026-07-01T04:00:00.000Z');
    expect(startOfDay('2026-03-08', 'America/New_York').toISOString()).to.equal('2026-03-08T05:00:00.000Z');
    expect(startOfDay('2026-03-09', 'America/New_York').toISOString()).to.equal('2026-03-09T04:00:00.000Z');
  });

  it('refuses a time zone the runtime does not know, naming the key', async () => {
    expect(isKnownTimeZone('Asia/Tokyo')).to.equal(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).to.equal(false);
    const demo = parseYaml(await readFile(path.resolve('config/cert-idp.yaml'), 'utf8')) as Record<string, unknown>;
    expect(() => validateConfigFile({ ...demo, timeZone: 'Tokyo time' })).to.throw(/timeZone: must match pattern/);
    expect(() => validateConfigFile({ ...demo, timeZone: 9 })).to.throw(/timeZone: must be string/);
    expect(() => validateConfigFile({ ...demo, timeZone: 'Europe/Berlin' })).to.not.throw();
    // Well-formed but unknown: refused at start-up with the key and the value.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-tz-'));
    try {
      const file = path.join(dir, 'cert-idp.yaml');
      await writeFile(file, toYaml({ ...demo, demo: undefined, timeZone: 'Mars/Olympus_Mons', directory: { adapter: 'file', file: { path: path.resolve('config/demo-students.yaml') } } }));
      expect(refusal({ CONFIG_FILE: file, DATA_DIR: dir })).to.contain('timeZone: not a time zone this runtime knows: Mars/Olympus_Mons');
      await writeFile(file, toYaml({ ...demo, demo: undefined, timeZone: 'Europe/Berlin', directory: { adapter: 'file', file: { path: path.resolve('config/demo-students.yaml') } } }));
      expect(loadConfig({ CONFIG_FILE: file, DATA_DIR: dir }).timeZone).to.equal('Europe/Berlin');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
