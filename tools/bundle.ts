import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { SERVER_NODE_FLAGS } from './server-node-flags.js';

/**
 * The server and CLI as one CommonJS file (cli/dist/bilby.bundle.cjs): Node then loads one module
 * instead of hundreds, which is most of a start's time (docs/performance.md). The bin,
 * cli/dist/bilby.mjs, requires it with Node's compile cache on where Node has one
 * (cli/src/compile-cache.ts). Left outside, and so the CLI package's dependencies: the native SQLite
 * binding, pg (required when a PostgreSQL database is opened), swagger-ui's files (served from
 * its package directory, which server/src/http/app.ts names) and pdfkit (invoices' PDFs); test/bin.test.ts runs the bundle
 * with only those. `tsx tools/bundle.ts DIR` writes to DIR instead of cli/dist.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(process.argv[2] ?? join(ROOT, 'cli/dist'));
const { version } = JSON.parse(readFileSync(join(ROOT, 'cli/package.json'), 'utf8')) as { version: string };
const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // pdfkit finds its fonts through a require of its own package's files, which a bundle has not.
  external: ['better-sqlite3', 'pg-native', 'pdfkit'],
  logLevel: 'warning',
  outdir: out,
  absWorkingDir: ROOT,
};
const commonJs: BuildOptions = {
  ...shared,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // Our modules find their neighbours from import.meta.url, which a script does not have.
  define: { 'import.meta.url': 'bundleFileUrl', 'import.meta.resolve': 'undefined', BILBY_CLI_VERSION: JSON.stringify(version) },
  inject: [join(ROOT, 'tools/import-meta-url.ts')],
};
const esModule: BuildOptions = { ...shared, format: 'esm', outExtension: { '.js': '.mjs' } };
// A require for the CommonJS dependencies, which still call it inside an ES module.
const requireShim = "import { createRequire as __bilbyCreateRequire } from 'node:module';\nconst require = __bilbyCreateRequire(import.meta.url);";

mkdirSync(out, { recursive: true });
// What earlier builds left that this one no longer makes: the hand-made code cache and its bundle.
for (const file of readdirSync(out)) if (file.endsWith('.cache') || file === 'bilby.bundle.js') rmSync(join(out, file));

await build({ ...commonJs, entryPoints: { 'bilby.bundle': 'cli/src/main.ts' } });

// The modules worker threads run (startModuleThread and startSqliteThread find them beside the
// bundle): ES modules, as the CSV reader awaits at its top level.
await build({
  ...esModule,
  entryPoints: {
    'inventory-csv-thread': 'server/src/services/inventory-csv-thread.ts',
    'billing-thread': 'server/src/services/billing-thread.ts',
    'sqlite-reader-thread': 'server/src/store/sqlite/sqlite-reader-thread.ts',
    'sqlite-checkpoint-thread': 'server/src/store/sqlite/sqlite-checkpoint-thread.ts',
  },
  banner: { js: requireShim },
});

await build({
  ...esModule,
  entryPoints: { bilby: 'cli/src/bin.ts' },
  // The bin's #! line: the source has none of its own.
  banner: { js: `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}` },
});
chmodSync(join(out, 'bilby.mjs'), 0o755);
