/**
 * Import rules for src/, run by `npm run lint:deps` (and so by .ci/run). Exactly two rules: no
 * import cycle inside src/, and nothing in src/ imports from test/ (the shipped code, the CLI
 * included, runs without the test tree).
 */


/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle inside src/ (type-only imports count): modules that cannot be understood or loaded apart. Move the shared piece into a module both import.',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'no-src-to-test',
      severity: 'error',
      comment: 'src/ must not import from test/: the shipped code runs without the test tree.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Count `import type` too: a cycle through types is still two modules that need each other.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
