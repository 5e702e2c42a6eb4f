// The one collection after start-up (src/ops/memory.ts): a last-resort one where the image's node exposes
// `gc`, nothing elsewhere; and, in a node started as the image starts it, that it returns resident memory.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { releaseStartupGarbage } from '../../src/ops/memory.js';
import { ROOT } from './support.js';

describe('memory: the collection after start-up', () => {
  it('asks for a synchronous last-resort major collection when gc is exposed, and does nothing when it is not', () => {
    const original = globalThis.gc;
    const calls: unknown[] = [];
    try {
      globalThis.gc = ((options?: unknown) => { calls.push(options); }) as typeof globalThis.gc;
      releaseStartupGarbage();
      expect(calls).to.deep.equal([{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
      globalThis.gc = undefined;
      expect(() => releaseStartupGarbage()).not.to.throw();
    } finally {
      globalThis.gc = original;
    }
  });

  it('gives the pages of dead objects back: V8 keeps them committed after an ordinary collection', function () {
    this.timeout(30_000);
    // Garbage promoted to the old generation (kept alive across young collections, then dropped), as
    // start-up leaves it; heapTotal is what V8 keeps committed.
    const script = `
      import { releaseStartupGarbage } from ${JSON.stringify(path.join(ROOT, 'src/ops/memory.ts'))};
      let keep = [];
      for (let i = 0; i < 400; i++) { keep.push(Array.from({ length: 2000 }, (_, j) => ({ i, j }))); await new Promise((r) => setImmediate(r)); }
      keep = null;
      gc();
      const before = process.memoryUsage().heapTotal;
      releaseStartupGarbage();
      console.log(JSON.stringify({ before, after: process.memoryUsage().heapTotal }));`;
    const run = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=4', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const { before, after } = JSON.parse(run.stdout) as { before: number; after: number };
    expect(after).to.be.below(before - 10 * 1024 * 1024);
  });
});
