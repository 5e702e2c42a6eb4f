import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { expect } from 'chai';
import { logger } from '../../src/logger.js';
import { BackgroundTasks } from '../../src/ops/background.js';

// The work requests leave for after their answers (src/ops/background.ts): it waits for the answer,
// runs one task at a time in the order the answers went out, never fails the request, bounds what can
// pile up, and is drained by the graceful stop (tested with the server in test/students/reset-by-mail.test.ts).

/** A response that has not been sent yet; `send()` sends it. */
function unsentResponse(): ServerResponse & { send(): void } {
  const response = Object.assign(new EventEmitter(), { writableFinished: false, destroyed: false }) as unknown as ServerResponse & { send(): void };
  response.send = () => {
    (response as { writableFinished: boolean }).writableFinished = true;
    response.emit('finish');
    response.emit('close');
  };
  return response;
}

const turns = (n = 5) => (async () => { for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve)); })();

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { opened, open };
}

describe('background tasks (work after the answer)', () => {
  it('a task starts only once its answer has been sent', async () => {
    const tasks = new BackgroundTasks();
    const response = unsentResponse();
    const ran: string[] = [];
    await tasks.run('t', async () => { ran.push('task'); }, response);
    await turns();
    expect(ran).to.deep.equal([]);
    expect(tasks.count).to.equal(1);
    response.send();
    expect(await tasks.drain(5000)).to.equal(true);
    expect(ran).to.deep.equal(['task']);
    expect(tasks.count).to.equal(0);
  });

  it('runs one task at a time, in the order the answers were sent', async () => {
    const tasks = new BackgroundTasks();
    const first = gate();
    const log: string[] = [];
    const [a, b, c] = [unsentResponse(), unsentResponse(), unsentResponse()];
    await tasks.run('a', async () => { log.push('a begins'); await first.opened; log.push('a ends'); }, a);
    await tasks.run('b', async () => { log.push('b'); }, b);
    await tasks.run('c', async () => { log.push('c'); }, c);
    a.send();
    c.send();
    b.send();
    await turns();
    expect(log).to.deep.equal(['a begins']);
    first.open();
    await tasks.drain(5000);
    expect(log).to.deep.equal(['a begins', 'a ends', 'c', 'b']);
  });

  it('a failing task is logged by name and error class only, and the next one still runs', async () => {
    const tasks = new BackgroundTasks();
    const errors: unknown[] = [];
    const original = logger.error;
    logger.error = ((...args: unknown[]) => { errors.push(args); }) as typeof logger.error;
    try {
      const ran: string[] = [];
      await tasks.run('forgot', async () => { throw Object.assign(new TypeError('secret@example.com is not here'), { code: 'E_TEST' }); });
      await tasks.run('next', async () => { ran.push('next'); });
      expect(await tasks.drain(5000)).to.equal(true);
      expect(ran).to.deep.equal(['next']);
      expect(errors).to.deep.equal([[{ task: 'forgot', error: 'TypeError', code: 'E_TEST' }, 'background task failed']]);
    } finally {
      logger.error = original;
    }
  });

  it('with maxPending tasks waiting, the next request waits for room (whatever it is), then goes on', async () => {
    const tasks = new BackgroundTasks(2);
    const hold = gate();
    await tasks.run('1', () => hold.opened);
    await tasks.run('2', async () => {});
    let third = false;
    const scheduled = tasks.run('3', async () => {}).then(() => { third = true; });
    await turns();
    expect(third, 'scheduled while two wait').to.equal(false);
    hold.open();
    await scheduled;
    expect(await tasks.drain(5000)).to.equal(true);
  });

  it('drain gives up at its deadline and says so', async () => {
    const tasks = new BackgroundTasks();
    const hold = gate();
    await tasks.run('stuck', () => hold.opened);
    expect(await tasks.drain(50)).to.equal(false);
    hold.open();
    expect(await tasks.drain(5000)).to.equal(true);
  });
});
