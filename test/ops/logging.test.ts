import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { ROOT } from './support.js';

/** Runs `code` (an ES module importing the logger as `logger`) in a process of its own; its stdout lines and exit. */
function run(code: string): Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null }> {
  const source = `import { logger } from './src/logger.ts';\n${code}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
  return new Promise((resolve) => {
    child.on('close', (exitCode, signal) => resolve({ lines: out.split('\n').filter(Boolean), code: exitCode, signal }));
  });
}

const messages = (lines: string[]) => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);

describe('log output (batched standard output)', () => {
  it('lines gathered in the buffer are written when the process exits, by process.exit or an uncaught exception', async () => {
    const exited = await run(`logger.info('one'); logger.info({ n: 2 }, 'two'); process.exit(3);`);
    expect(exited.code).to.equal(3);
    expect(messages(exited.lines)).to.deep.equal(['one', 'two']);
    const crashed = await run(`logger.info('before'); setTimeout(() => { throw new Error('boom'); }, 10);`);
    expect(crashed.code).to.not.equal(0);
    expect(messages(crashed.lines)).to.deep.equal(['before']);
  });

  it('a line left in the buffer is written soon without further lines; a warning at once, after the lines before it', async () => {
    // Killed outright, so that no exit handler runs: only what was flushed before is out.
    const idle = await run(`logger.info('alone'); setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000);`);
    expect(messages(idle.lines)).to.deep.equal(['alone']);
    const killed = await run(`logger.info('first'); logger.warn('second'); setTimeout(() => process.kill(process.pid, 'SIGKILL'), 500);`);
    expect(killed.signal).to.equal('SIGKILL');
    expect(messages(killed.lines)).to.deep.equal(['first', 'second']);
  });

  it('many lines and many warnings at once: every line, in order, once', async () => {
    const burst = await run(`for (let i = 0; i < 300; i += 1) (i % 7 ? logger.info : logger.warn).call(logger, { i }, 'line'); setTimeout(() => {}, 1500);`);
    expect(burst.lines.map((line) => (JSON.parse(line) as { i: number }).i)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
  });
});
