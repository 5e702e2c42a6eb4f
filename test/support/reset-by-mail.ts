import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'chai';
import { textOf, type Page } from './browser.js';
import { newBrowser, type TestServer } from './harness.js';
import { urlIn } from './smtp.js';

// The forgotten-credential pages (S6, G11) and their mailed resets, as the suites of issue 15 use them.
// Whether a page's answer waits for work it should not wait for is observed without measuring time:
// the named functions of the running server's services are wrapped, and each call notes whether the
// HTTP answer to the request being watched had been sent by then (ServerResponse.writableFinished).

/** A function of the services to watch: the object it is called on, its name, the label to log. */
export type Work = [target: object, method: string, label: string];

export interface WorkLog { work: string; answered: boolean }

export interface WorkWatch {
  /** Every watched call since the watch began, in order. */
  readonly log: WorkLog[];
  /** The labels of the calls made before the answer was sent. */
  beforeAnswer(): string[];
  clear(): void;
  stop(): void;
}

/** Watches the POSTs to `path` (the last one begun is the one whose answer counts). */
export function watchWorkAroundAnswer(server: TestServer, path: string, work: Work[]): WorkWatch {
  let current: ServerResponse | undefined;
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'POST' && request.url?.split('?')[0] === path) current = response;
  };
  server.running.server.prependListener('request', onRequest);
  const log: WorkLog[] = [];
  const restore: Array<() => void> = [];
  for (const [target, method, label] of work) {
    const holder = target as Record<string, unknown>;
    const own = Object.prototype.hasOwnProperty.call(holder, method);
    const original = holder[method] as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new Error(`no function ${method} to watch`);
    holder[method] = function watched(this: unknown, ...args: unknown[]) {
      log.push({ work: label, answered: current?.writableFinished ?? false });
      return original.apply(this, args);
    };
    restore.push(() => {
      if (own) holder[method] = original;
      else delete holder[method];
    });
  }
  return {
    log,
    beforeAnswer: () => log.filter((entry) => !entry.answered).map((entry) => entry.work),
    clear: () => { log.length = 0; },
    stop() {
      server.running.server.off('request', onRequest);
      for (const undo of restore.reverse()) undo();
    },
  };
}

/** Waits until the work the server left for after its answers is done. */
export async function afterAnswers(server: TestServer): Promise<void> {
  await server.services.background?.drain(15_000);
}

/** Posts an address to a forgotten-credential page (S6, G11) from a new browser. */
export async function askForgotten(server: TestServer, path: string, email: string): Promise<Page> {
  const browser = newBrowser();
  return browser.submit(await browser.get(`${server.url}${path}`), path, { email });
}

/** S6 第2パスワードを忘れた場合 through the mailed link, to the new second password. */
export async function resetSecondPasswordByMail(server: TestServer, email: string, secondPassword: string): Promise<void> {
  expect(textOf(await askForgotten(server, '/students/second-password/forgot', email))).to.contain('再設定用のURLを記載したメールを送信しました');
  const browser = newBrowser();
  const reset = await browser.get(urlIn(await server.smtp.waitFor(email, (m) => m.subject.includes('第2パスワードの再設定'))));
  const done = await browser.submit(reset, '/students/second-password/reset', { second_password: secondPassword, second_password_confirm: secondPassword });
  expect(textOf(done)).to.contain('第2パスワードが変更されました');
}

/** The account that has this address. */
export async function accountByEmail(server: TestServer, email: string) {
  const { dataSource, entities } = server.services.database;
  return dataSource.getRepository(entities.Account).findOneByOrFail({ email });
}

/** Locks the account as staff do (accounts.locked); returns how many mails the address has had queued so far. */
export async function lockAsStaff(server: TestServer, accountId: string, email: string): Promise<number> {
  const { dataSource, entities } = server.services.database;
  await dataSource.getRepository(entities.Account).update({ id: accountId }, { locked: true });
  return dataSource.getRepository(entities.MailOutbox).countBy({ recipient: email });
}

/** How many mails were queued for the address once the work after the answers is done. */
export async function mailsQueuedFor(server: TestServer, email: string): Promise<number> {
  await afterAnswers(server);
  const { dataSource, entities } = server.services.database;
  return dataSource.getRepository(entities.MailOutbox).countBy({ recipient: email });
}

/**
 * A forgotten-credential page (S6, G11) asked for a registered and for an unknown address: the same
 * answer, and none of the work that depends on the address (the lookup — `lookup`, a function of
 * services.accounts —, the token, the mail, the audit event) done before the answer was sent.
 */
export async function expectForgotAnswerBeforeWork(
  server: TestServer,
  page: { path: string; lookup: string; mailSubject: string; registered: string; unknown: string },
): Promise<void> {
  const { services } = server;
  const ask = (email: string) => askForgotten(server, page.path, email);
  const watch = watchWorkAroundAnswer(server, page.path, [
    [services.accounts, page.lookup, 'lookup'],
    [services.tokens, 'issueWithinLimit', 'token'],
    [services, 'sendMail', 'mail'],
    [services.audit, 'record', 'audit'],
  ]);
  try {
    const known = await ask(page.registered);
    await server.smtp.waitFor(page.registered, (m) => m.subject.includes(page.mailSubject));
    await afterAnswers(server);
    expect(watch.beforeAnswer(), 'work done before the answer (registered address)').to.deep.equal([]);
    expect(watch.log.map((entry) => entry.work)).to.deep.equal(['lookup', 'token', 'mail', 'audit']);

    watch.clear();
    const unknown = await ask(page.unknown);
    await afterAnswers(server);
    expect(watch.beforeAnswer(), 'work done before the answer (unknown address)').to.deep.equal([]);
    expect(watch.log.map((entry) => entry.work)).to.deep.equal(['lookup', 'audit']);

    expect([known.status, textOf(known)]).to.deep.equal([unknown.status, textOf(unknown)]);
  } finally {
    watch.stop();
  }
}
