// The dependency check that `npm test` runs between the type check and mocha
// (`depcruise src --config .dependency-cruiser.cjs`): run the same way over two small trees under
// test/fixtures/dependencies/, one breaking each rule and one keeping them all, to show that the
// rules fail and pass; and over the real src/, to show that the TypeScript imports are seen.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const FIXTURES = path.join(ROOT, 'test/fixtures/dependencies');

interface Dependency { resolved: string; dependencyTypes: string[] }
interface Cruised {
  modules: Array<{ source: string; dependencies: Dependency[] }>;
  summary: { error: number; violations: Array<{ from: string; to: string; rule: { name: string; severity: string }; cycle?: Array<{ name: string }> }> };
}

/** depcruise over `src` of a directory with the project's configuration, as `npm test` runs it (report `err`) or as JSON. */
function depcruise(directory: string, outputType: 'err' | 'json'): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', outputType], { cwd: directory });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

async function cruise(directory: string): Promise<Cruised> {
  const { exitCode, stdout, stderr } = await depcruise(directory, 'json');
  try {
    return JSON.parse(stdout) as Cruised;
  } catch {
    throw new Error(`depcruise in ${directory} exited ${exitCode} without a report:\n${stderr}${stdout.slice(0, 2000)}`);
  }
}

/** The edges between the tree's own modules, as 'from → to'. */
function localEdges(result: Cruised): string[] {
  return result.modules
    .filter((m) => m.source.startsWith('src/'))
    .flatMap((m) => m.dependencies.filter((d) => !d.resolved.startsWith('node_modules/')).map((d) => `${m.source} → ${d.resolved}`))
    .sort();
}

describe('dependency check (dependency-cruiser, .dependency-cruiser.cjs)', function () {
  this.timeout(60_000);

  it('reports the cycle, both capability-to-capability imports and the shared module importing a capability — and nothing else', async () => {
    const result = await cruise(path.join(FIXTURES, 'violations'));
    const violations = result.summary.violations.map((v) => `${v.rule.severity} ${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(violations).to.deep.equal([
      'error capability-imports-capability: src/account/forms.ts → src/students/forms.ts',
      'error capability-imports-capability: src/staff/review.ts → src/graduates/rules.ts',
      'error no-cycle: src/students/federation-routes.ts → src/students/routes.ts',
      'error shared-imports-capability: src/mail/outbox.ts → src/students/routes.ts',
    ]);
    const cycle = result.summary.violations.find((v) => v.rule.name === 'no-cycle')!.cycle!.map((step) => step.name);
    expect(cycle).to.deep.equal(['src/students/routes.ts', 'src/students/federation-routes.ts']);
    // app.ts, services.ts and cli/ import capabilities and are not reported (checked above: nothing else is).
    expect(localEdges(result)).to.include.members([
      'src/app.ts → src/students/routes.ts', 'src/services.ts → src/graduates/rules.ts', 'src/cli/tool.ts → src/staff/review.ts',
    ]);

    // As `npm test` runs it: it names them and fails (exit code: the number of errors), so mocha does not start.
    const run = await depcruise(path.join(FIXTURES, 'violations'), 'err');
    expect(run.exitCode).to.equal(4);
    expect(run.stdout).to.contain('error no-cycle: src/students/federation-routes.ts →');
    expect(run.stdout).to.contain('error shared-imports-capability: src/mail/outbox.ts → src/students/routes.ts');
    expect(run.stdout).to.contain('4 dependency violations (4 errors, 0 warnings)');
  });

  it('reports nothing for a tree that keeps the rules, having seen every import (type-only ones too)', async () => {
    const result = await cruise(path.join(FIXTURES, 'clean'));
    expect(result.summary.violations).to.deep.equal([]);
    expect(localEdges(result)).to.deep.equal([
      'src/app.ts → src/graduates/routes.ts',
      'src/app.ts → src/staff/review.ts',
      'src/app.ts → src/students/routes.ts',
      'src/applications/store.ts → src/db/entities.ts',
      'src/cli/tool.ts → src/staff/review.ts',
      'src/graduates/routes.ts → src/applications/store.ts',
      'src/graduates/routes.ts → src/web/render.ts',
      'src/mail/outbox.ts → src/web/render.ts',
      'src/services.ts → src/mail/outbox.ts',
      'src/services.ts → src/students/service.ts',
      'src/staff/review.ts → src/applications/store.ts',
      'src/staff/review.ts → src/mail/outbox.ts',
      'src/students/routes.ts → src/students/forms.ts',
      'src/students/routes.ts → src/students/service.ts',
      'src/students/routes.ts → src/web/render.ts',
      'src/students/service.ts → src/mail/outbox.ts',
      'src/students/service.ts → src/students/forms.ts',
    ]);
    const typeOnly = result.modules.find((m) => m.source === 'src/applications/store.ts')!.dependencies[0]!;
    expect(typeOnly.dependencyTypes).to.include('type-only');

    const run = await depcruise(path.join(FIXTURES, 'clean'), 'err');
    expect(run.exitCode).to.equal(0);
    expect(run.stdout).to.contain('no dependency violations found');
  });

  it('sees the imports of the real src/: `.js` specifiers resolved to the `.ts` modules, type-only ones included', async () => {
    const result = await cruise(ROOT);
    const app = result.modules.find((m) => m.source === 'src/app.ts');
    expect(app, 'src/app.ts cruised').to.not.equal(undefined);
    const local = app!.dependencies.filter((d) => d.resolved.startsWith('src/'));
    expect(local.length, 'imports of src/app.ts within src/').to.be.greaterThan(5);
    for (const dependency of local) expect(dependency.resolved).to.match(/\.ts$/);
    const edges = localEdges(result);
    expect(edges.length, 'edges within src/').to.be.greaterThan(200);
    const typeOnly = result.modules.flatMap((m) => m.dependencies).filter((d) => d.resolved.startsWith('src/') && d.dependencyTypes.includes('type-only'));
    expect(typeOnly.length, 'type-only imports within src/').to.be.greaterThan(0);
  });
});
