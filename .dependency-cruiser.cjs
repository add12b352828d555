/**
 * Import rules for src/, run by `npm run lint:deps` (and so by .ci/run): no import cycle inside
 * src/; nothing in src/ imports from test/ (the shipped code, the CLI included, runs without the
 * test tree); and `@aws-sdk/lib-dynamodb` is loaded only by src/document-client.ts (required,
 * not imported: ADR 0001, 10).
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
    {
      name: 'lib-dynamodb-through-document-client',
      severity: 'error',
      comment: 'Import DynamoDBDocumentClient and its commands from src/document-client.ts: it loads the package with require, which keeps a cold start from scanning it (ADR 0001, 10).',
      from: { path: '^src/', pathNot: '^src/document-client\\.ts$' },
      to: { path: 'node_modules/@aws-sdk/lib-dynamodb/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Count `import type` too: a cycle through types is still two modules that need each other.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
