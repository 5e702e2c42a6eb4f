// `npm run build`, after tsc: every view under views/ compiled by pug into a standalone function (its
// runtime helpers inlined), dist/views/<view>.cjs. The production build renders with them and never loads
// the pug compiler (src/web/render.ts; DESIGN §7: memory). The same compiler options as pug's renderFile
// there: debug instrumentation on, so that an error in a view names its line as before.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pug from 'pug';
import { projectPath } from '../project-root.js';
import { PRECOMPILED_VIEWS_DIR } from '../web/render.js';

/** Compiles every .pug file under viewsDir into outDir (the same relative path, .cjs); their count. */
export function compileViews(viewsDir: string, outDir: string): number {
  let count = 0;
  for (const entry of readdirSync(viewsDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.pug')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const source = pug.compileFileClient(file, { basedir: viewsDir, compileDebug: true, inlineRuntimeFunctions: true, name: 'template' });
    const out = path.join(outDir, path.relative(viewsDir, file).replace(/\.pug$/, '.cjs'));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${source}\nmodule.exports = template;\n`);
    count += 1;
  }
  return count;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = compileViews(projectPath('views'), PRECOMPILED_VIEWS_DIR);
  process.stdout.write(`compiled ${count} views into ${PRECOMPILED_VIEWS_DIR}\n`);
}
