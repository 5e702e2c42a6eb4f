import { expect } from 'chai';
import argon2 from 'argon2';
import { accountClaims } from '../../src/oidc/claims.js';
import { sessionTtlSeconds } from '../../src/oidc/provider.js';
import { checkPasswordPolicy, MANUAL_POLICY } from '../../src/credentials/policy.js';
import { OWASP_PARAMETERS, PasswordHasher } from '../../src/credentials/hashing.js';
import { createTranslations } from '../../src/texts.js';
import { langFromUiLocales } from '../../src/web/texts.js';
import { normalizeEmail, pendingSetup } from '../../src/accounts/account-store.js';
import type { AccountRow } from '../../src/db/entities.js';

describe('second-password policy (manual §2.2)', () => {
  const check = (candidate: string, forbidden: string[] = []) => checkPasswordPolicy(candidate, MANUAL_POLICY, forbidden);
  it('accepts a value that follows every rule', () => {
    expect(check('Kaeru7Tobu')).to.deep.equal([]);
  });
  it('names each broken rule', () => {
    expect(check('Kae7Tob')).to.deep.equal(['too_short']);
    expect(check('kaeru7tobu')).to.deep.equal(['needs_uppercase']);
    expect(check('KAERU7TOBU')).to.deep.equal(['needs_lowercase']);
    expect(check('KaeruTobu')).to.deep.equal(['needs_digit']);
    expect(check('Kaeru7Tobu!')).to.deep.equal(['alphanumeric_only']);
    expect(check('Ｋaeru7Tobu')).to.deep.equal(['alphanumeric_only']); // full-width Ｋ
    expect(check('Password1')).to.deep.equal(['too_common']);
    expect(check(`Aa1${'x'.repeat(62)}`)).to.deep.equal(['too_long']);
    expect(check('Kaeru7Tobu', ['Kaeru7Tobu'])).to.deep.equal(['same_as_forbidden']);
  });
  it('accepts up to 64 characters', () => {
    expect(check(`Aa1${'x'.repeat(61)}`)).to.deep.equal([]);
  });
});

describe('password hashing', () => {
  it('argon2id with the OWASP parameters; verifies; refuses garbage hashes; tells when a rehash is due', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash('Kaeru7Tobu');
    expect(hash).to.match(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/);
    expect(await hasher.verify(hash, 'Kaeru7Tobu')).to.equal(true);
    expect(await hasher.verify(hash, 'kaeru7tobu')).to.equal(false);
    expect(await hasher.verify('not a hash', 'x')).to.equal(false);
    expect(await hasher.verify(null, 'x')).to.equal(false);
    expect(hasher.needsRehash(hash)).to.equal(false);
    expect(new PasswordHasher({ memoryKiB: 65536, timeCost: 3, parallelism: 1, maxConcurrent: 2 }).needsRehash(hash)).to.equal(true);
  });
  it('verifies hashes made by node-argon2 (the earlier implementation); a hash of another kind or parameter set is due for a rehash', async () => {
    const hasher = new PasswordHasher();
    const owasp = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
    const earlier = await argon2.hash('Kaeru7Tobu', { type: argon2.argon2id, ...owasp });
    expect(earlier).to.match(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await hasher.verify(earlier, 'Kaeru7Tobu')).to.equal(true);
    expect(await hasher.verify(earlier, 'Kaeru7Tobu!')).to.equal(false);
    expect(hasher.needsRehash(earlier)).to.equal(false);
    expect(await hasher.upgraded(earlier, 'Kaeru7Tobu')).to.equal(undefined);
    expect(hasher.needsRehash(await argon2.hash('Kaeru7Tobu', { type: argon2.argon2i, ...owasp }))).to.equal(true);
    expect(hasher.needsRehash(await argon2.hash('Kaeru7Tobu', { type: argon2.argon2id, ...owasp, parallelism: 2 }))).to.equal(true);
    expect(hasher.needsRehash('not a hash')).to.equal(false);
    const upgraded = await new PasswordHasher({ ...OWASP_PARAMETERS, timeCost: 3 }).upgraded(earlier, 'Kaeru7Tobu');
    expect(upgraded).to.match(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    expect(await hasher.verify(upgraded, 'Kaeru7Tobu')).to.equal(true);
    // And the other way round: node-argon2 verifies what this hasher writes.
    expect(await argon2.verify(await hasher.hash('Kaeru7Tobu'), 'Kaeru7Tobu')).to.equal(true);
  });
});

describe('claims', () => {
  const account: AccountRow = {
    id: '0b6d7c3e-2f61-4c52-9d0e-111111111111', userType: 'student', directoryId: 's1', email: 'a@example.ac.jp', emailVerified: true,
    secondPasswordHash: 'x', locale: 'ja', createdAt: new Date(), updatedAt: new Date(),
    profile: {
      name: { family: '山田', given: '太郎' }, nameKana: { family: 'ヤマダ', given: 'タロウ' }, nameLatin: { family: 'YAMADA', given: 'Taro' },
      enrollments: [{ student_number: '26A0001', university: 'U', faculty: 'F', department: 'D', status: 'enrolled', graduated_on: null }],
    },
  };
  it('releases names with language tags (OIDC Core §5.2), the enrolments, and an opaque sub', () => {
    const claims = accountClaims(account);
    expect(claims).to.include({
      sub: account.id, email: 'a@example.ac.jp', email_verified: true, name: '山田 太郎', family_name: '山田', given_name: '太郎',
      'family_name#ja-Kana-JP': 'ヤマダ', 'given_name#ja-Kana-JP': 'タロウ', 'name#ja-Latn-JP': 'YAMADA Taro', user_type: 'student',
    });
    expect(claims.enrollments).to.have.length(1);
    expect(JSON.stringify(claims)).to.not.contain('"s1"');
  });
  it('the first-login steps still due', () => {
    const student = { userType: 'student' as const, email: null, emailVerified: false, secondPasswordHash: null };
    expect(pendingSetup(student)).to.deep.equal({ needsEmail: true, needsSecondPassword: true, needsPasswordSetup: false, needsTerms: false });
    expect(pendingSetup({ ...student, email: 'a@x', emailVerified: true })).to.include({ needsEmail: false, needsSecondPassword: true });
    const graduate = { userType: 'graduate' as const, email: 'g@x', emailVerified: true, secondPasswordHash: null, passwordIsInitial: true, termsVersion: 'v1' };
    expect(pendingSetup(graduate, 'v1')).to.deep.equal({ needsEmail: false, needsSecondPassword: false, needsPasswordSetup: true, needsTerms: false });
    expect(pendingSetup({ ...graduate, secondPasswordHash: 'h', passwordIsInitial: false }, 'v2')).to.include({ needsPasswordSetup: false, needsTerms: true });
  });
});

describe('session lifetime', () => {
  const lifetimes = { sessionIdleMinutes: 30, sessionAbsoluteHours: 12 } as never;
  it('slides by the idle window, capped by the absolute lifetime since login', () => {
    const now = Date.now();
    const login = Math.floor(now / 1000);
    expect(sessionTtlSeconds(lifetimes, login, now)).to.equal(1800);
    expect(sessionTtlSeconds(lifetimes, login - 12 * 3600 + 600, now)).to.equal(600);
    expect(sessionTtlSeconds(lifetimes, login - 13 * 3600, now)).to.equal(1);
  });
});

describe('texts', () => {
  it('every Japanese text has an English one', () => {
    const texts = createTranslations();
    const ja = texts.for('ja');
    const en = texts.for('en');
    expect(ja('login.failed')).to.equal('ユーザID、パスワードまたは第2パスワードが正しくありません。');
    expect(en('field.required', { field: 'User ID' })).to.equal('Please enter the User ID.');
    expect(ja.list('email_setup.checklist')).to.have.length(4);
    expect(en.list('email_setup.checklist')).to.have.length(4);
  });
  it('reads ui_locales', () => {
    expect(langFromUiLocales('en-US ja')).to.equal('en');
    expect(langFromUiLocales('fr ja-JP')).to.equal('ja');
    expect(langFromUiLocales('fr')).to.equal(undefined);
  });
  it('normalises addresses (full-width, case, spaces)', () => {
    expect(normalizeEmail(' Ｔａｒｏ@Example.AC.JP ')).to.equal('taro@example.ac.jp');
  });
});
