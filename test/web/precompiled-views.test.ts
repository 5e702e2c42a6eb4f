// The views `npm run build` compiles (src/cli/compile-views.ts), which the production build renders with
// instead of loading pug: each renders exactly what pug's renderFile renders, from the same locals.
import { createRequire } from 'node:module';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pug from 'pug';
import { compileViews } from '../../src/cli/compile-views.js';
import { projectPath } from '../../src/project-root.js';

const require = createRequire(import.meta.url);

/**
 * Locals that answer every name a view asks for: a value that is true, prints as its path, iterates
 * as one item, and calls (t('key'), csrfToken()) as a string naming the call: every branch and every
 * loop body of a view is rendered.
 */
function anything(name: string): unknown {
  const call = (...args: unknown[]) => `${name}(${args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(',')})`;
  return new Proxy(call, {
    get(_target, key) {
      if (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf') return () => name;
      if (key === Symbol.iterator) return function* () { yield anything(`${name}[0]`); };
      if (key === 'length') return 1;
      if (key === '0') return anything(`${name}[0]`);
      if (typeof key === 'symbol') return undefined;
      return anything(`${name}.${key}`);
    },
    has: () => true,
    ownKeys: () => ['0', 'length', 'prototype', 'arguments', 'caller', 'name'].filter((k) => k === '0' || k === 'length' || k === 'prototype' || k === 'name'),
  });
}

/** pug's own options, which renderFile reads from the same object as the locals: left unset. */
const PUG_OPTIONS = new Set(['filename', 'basedir', 'doctype', 'pretty', 'filters', 'filterOptions', 'filterAliases', 'self', 'debug',
  'compileDebug', 'globals', 'cache', 'inlineRuntimeFunctions', 'name', 'includeSources', 'templateName', 'plugins', 'lexer', 'parser',
  'linker', 'resolve', 'load', 'read', 'generateCode', 'wrap']);

function outcome(render: () => string): string {
  try {
    return render();
  } catch (error) {
    return `threw: ${(error as Error).message}`;
  }
}

describe('precompiled views (npm run build)', function () {
  this.timeout(60_000);
  let dir: string;
  const viewsDir = projectPath('views');

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cert-idp-views-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every view, compiled to a standalone function, renders what pug renders', async () => {
    const count = compileViews(viewsDir, dir);
    const views = (await readdir(viewsDir, { recursive: true })).filter((f) => f.endsWith('.pug'));
    expect(count).to.equal(views.length);
    let rendered = 0;
    for (const view of views) {
      const locals = () => new Proxy<Record<string, unknown>>({ basedir: viewsDir, cache: false, lang: 'ja', errors: {}, values: {} }, {
        get: (target, key) => (typeof key === 'string' && !(key in target) && !PUG_OPTIONS.has(key) && !(key in globalThis) ? anything(key) : Reflect.get(target, key)),
        has: (target, key) => key in target || (typeof key === 'string' && !PUG_OPTIONS.has(key) && !(key in globalThis)),
      });
      const withPug = outcome(() => pug.renderFile(path.join(viewsDir, view), locals()));
      const template = require(path.join(dir, view.replace(/\.pug$/, '.cjs'))) as (l: Record<string, unknown>) => string;
      const precompiled = outcome(() => template(locals()));
      expect(precompiled, view).to.equal(withPug);
      if (!withPug.startsWith('threw:')) rendered += 1;
    }
    // The comparison means something only if most views render (not merely fail alike).
    expect(rendered).to.be.at.least(views.length * 0.6);
  });
});
