// The module boundaries of src/ (issue "one module per capability"), checked by `npm test` between the
// type check and mocha: `depcruise src --config .dependency-cruiser.cjs`.
//
// A capability folder holds one thing users do; every other folder under src/ is a shared module.
// - no import cycle anywhere in src/;
// - a capability imports only its own folder and shared modules, never another capability;
// - a shared module imports no capability: only the composition root (src/app.ts, src/server.ts,
//   src/services.ts, src/texts.ts) and the command-line tools (src/cli/) put capabilities together.
// Type-only imports count: they tie modules together in the source as much as value imports do.
//
// test/ops/dependencies.test.ts runs this file over the small trees under test/fixtures/dependencies/
// (each with a src/ of its own) to show that the rules fail and pass.

const CAPABILITY = '^src/(students|graduates|staff|account|interaction|dev|accessibility)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'An import cycle in src/: the modules on it cannot be understood, tested or moved one at a time.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'capability-imports-capability',
      severity: 'error',
      comment: 'A capability imports only its own folder and shared modules; what two capabilities share belongs in a shared module.',
      from: { path: CAPABILITY },
      to: { path: CAPABILITY, pathNot: '^src/$1/' },
    },
    {
      name: 'shared-imports-capability',
      severity: 'error',
      comment: 'A shared module depends on no capability: only src/app.ts, src/server.ts, src/services.ts, src/texts.ts and src/cli/ compose capabilities.',
      from: { path: '^src/', pathNot: [CAPABILITY, '^src/(app|server|services|texts)\\.ts$', '^src/cli/'] },
      to: { path: CAPABILITY },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 offers no JavaScript compiler API, which dependency-cruiser's own TypeScript parser
    // needs (typescript >=2 <7), so swc parses the sources. swc keeps type-only imports as
    // dependencies (what tsPreCompilationDeps switches on for the tsc parser; set here, it would only
    // warn that tsc is missing), and the resolver maps the `.js` of an ES module import to its `.ts`
    // file. tsConfig is read when a typescript with that API is installed (for `paths` and the like).
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
