import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './harness.js';

const run = promisify(execFile);
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';

export const BASE_DN = 'dc=example,dc=ac,dc=jp';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const SERVICE_DN = `cn=cert-idp,ou=services,${BASE_DN}`;
export const SERVICE_PASSWORD = 'svc-Bind-Secret-1';

export interface LdapStudent {
  uid: string;
  password: string;
  studentNumber?: string;
  family: string;
  given: string;
  familyKana: string;
  givenKana: string;
  familyLatin: string;
  givenLatin: string;
  faculty: string;
  department: string;
  status: string;
}

function student(uid: string, n: number, status = 'enrolled', extra: Partial<LdapStudent> = {}): LdapStudent {
  return {
    uid,
    password: `LdapPass${n}x`,
    studentNumber: `26L${String(n).padStart(4, '0')}`,
    family: '山田',
    given: `${n}子`,
    familyKana: 'ヤマダ',
    givenKana: `${n}コ`,
    familyLatin: 'YAMADA',
    givenLatin: `Hanako${n}`,
    faculty: '理学部',
    department: '数学科',
    status,
    ...extra,
  };
}

/**
 * The test students. `k7001` is the only uid starting with "k" (a filter injection such as `k*`
 * would find exactly it); `odd` has every character that needs escaping in a filter or a DN.
 */
export const LDAP_STUDENTS = {
  taro: student('s1001', 1001),
  hanako: student('s1002', 1002),
  jiro: student('s1003', 1003),
  saburo: student('s1004', 1004),
  shiro: student('s1005', 1005),
  goro: student('s1006', 1006),
  graduated: student('s2001', 2001, 'graduated'),
  noNumber: student('s3001', 3001, 'enrolled', { studentNumber: undefined }),
  onlyK: student('k7001', 7001),
  odd: student('a*b(c)\\d,e+f', 8001),
};

/** An RFC 4514 DN value for the LDIF (the `odd` uid). */
function dnValue(value: string): string {
  return value.replace(/[\\"+,;<>=]/g, (c) => `\\${c}`);
}

function b64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

function ldif(): string {
  const parts = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Example University\ndc: example\n`,
    `dn: ou=people,${BASE_DN}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=services,${BASE_DN}\nobjectClass: organizationalUnit\nou: services\n`,
    `dn: ${SERVICE_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: cert-idp\nuserPassword: ${SERVICE_PASSWORD}\n`,
  ];
  for (const s of Object.values(LDAP_STUDENTS)) {
    const lines = [
      `dn:: ${b64(`uid=${dnValue(s.uid)},${PEOPLE_DN}`)}`,
      'objectClass: inetOrgPerson',
      'objectClass: univStudent',
      `uid:: ${b64(s.uid)}`,
      `cn:: ${b64(`${s.family} ${s.given}`)}`,
      `sn:: ${b64(s.family)}`,
      `givenName:: ${b64(s.given)}`,
      `sn;lang-en: ${s.familyLatin}`,
      `givenName;lang-en: ${s.givenLatin}`,
      `univFamilyNameKana:: ${b64(s.familyKana)}`,
      `univGivenNameKana:: ${b64(s.givenKana)}`,
      `univFaculty:: ${b64(s.faculty)}`,
      `univDepartment:: ${b64(s.department)}`,
      `univEnrollmentStatus: ${s.status}`,
      `userPassword: ${s.password}`,
    ];
    if (s.studentNumber) lines.push(`univStudentNumber: ${s.studentNumber}`);
    parts.push(`${lines.join('\n')}\n`);
  }
  return parts.join('\n');
}

// A university's own schema for what inetOrgPerson lacks (OIDs under the documentation arc 32473).
const SCHEMA = [
  ['univStudentNumber', 1], ['univFamilyNameKana', 2], ['univGivenNameKana', 3],
  ['univFaculty', 4], ['univDepartment', 5], ['univEnrollmentStatus', 6],
].map(([name, n]) => `attributetype ( 1.3.6.1.4.1.32473.1.${n} NAME '${name}' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )`).join('\n')
  + `\nobjectclass ( 1.3.6.1.4.1.32473.2.1 NAME 'univStudent' SUP top AUXILIARY MAY ( univStudentNumber $ univFamilyNameKana $ univGivenNameKana $ univFaculty $ univDepartment $ univEnrollmentStatus ) )\n`;

function slapdConf(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
${SCHEMA}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server-key.pem
sizelimit 500

database mdb
maxsize 33554432
suffix "${BASE_DN}"
rootdn "cn=admin,${BASE_DN}"
directory ${dir}/db
index uid eq

access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by dn.exact="${SERVICE_DN}" read
  by self read
  by * none
`;
}

/** A CA and a server certificate for 127.0.0.1 (and localhost), made with openssl. */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=cert-idp test CA', '-keyout', 'ca-key.pem', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=127.0.0.1', '-keyout', 'server-key.pem', '-out', 'server.csr');
  await writeFile(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2',
    '-extfile', 'server.ext', '-out', 'server.pem');
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`slapd did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LdapServer {
  /** ldap:// (plain; StartTLS available). */
  url: string;
  /** ldaps:// */
  ldapsUrl: string;
  /** The PEM of the CA that signed the server certificate. */
  caFile: string;
  running(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A real OpenLDAP (Debian's slapd) on high loopback ports, with a slapd.conf and an LDIF of test
 * students written to a temporary folder. `.ci/run` installs slapd and ldap-utils when missing.
 */
export async function startLdapServer(): Promise<LdapServer> {
  if (!existsSync(SLAPD)) {
    throw new Error(`${SLAPD} not found: install Debian's slapd and ldap-utils (apt-get install slapd ldap-utils; .ci/run does it)`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-slapd-'));
  await mkdir(path.join(dir, 'db'));
  await makeCertificates(dir);
  const conf = path.join(dir, 'slapd.conf');
  await writeFile(conf, slapdConf(dir));
  await writeFile(path.join(dir, 'students.ldif'), ldif());
  await run(SLAPADD, ['-f', conf, '-l', path.join(dir, 'students.ldif')]);
  const port = await freePort();
  const securePort = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const server: LdapServer = {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${securePort}`,
    caFile: path.join(dir, 'ca.pem'),
    running: () => child !== undefined,
    async start() {
      if (child) return;
      // -d 0: stay in the foreground (a child process the test can stop), without debug output.
      const started = spawn(SLAPD, ['-f', conf, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${securePort}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      started.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      child = started;
      try {
        await Promise.race([
          Promise.all([waitForPort(port, 10_000), waitForPort(securePort, 10_000)]),
          exited.then(() => { throw new Error(`slapd exited at start: ${stderr}`); }),
        ]);
      } catch (error) {
        child = undefined;
        started.kill('SIGKILL');
        throw error;
      }
    },
    async stop() {
      const current = child;
      if (!current) return;
      child = undefined;
      current.kill('SIGTERM');
      const killer = setTimeout(() => current.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
    async destroy() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
