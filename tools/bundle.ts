import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { SERVER_NODE_FLAGS } from './server-node-flags.js';

/**
 * The server and CLI as one CommonJS file (dist/bilby.bundle.cjs): Node then loads one module instead of
 * hundreds, which takes start to ready from about 1.2 s to under 0.5 s on this kind of machine. The
 * bin, dist/bilby.mjs, requires it with Node's compile cache on where Node has one
 * (src/cli/compile-cache.ts). Left outside: the native SQLite binding and pg's optional native driver. swagger-ui is inside (its files are served from its package directory, which
 * src/http/app.ts names). `tsx tools/bundle.ts DIR` writes to DIR instead of dist.
 */
const out = process.argv[2] ?? 'dist';
const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  logLevel: 'warning',
  outdir: out,
};
const commonJs: BuildOptions = {
  ...shared,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // Our modules find their neighbours from import.meta.url, which a script does not have.
  define: { 'import.meta.url': 'bundleFileUrl', 'import.meta.resolve': 'undefined' },
  inject: ['tools/import-meta-url.ts'],
};
const esModule: BuildOptions = { ...shared, format: 'esm', outExtension: { '.js': '.mjs' } };
// A require for the CommonJS dependencies, which still call it inside an ES module.
const requireShim = "import { createRequire as __bilbyCreateRequire } from 'node:module';\nconst require = __bilbyCreateRequire(import.meta.url);";

mkdirSync(out, { recursive: true });
// What earlier builds left that this one no longer makes: the hand-made code cache and its bundle.
for (const file of readdirSync(out)) if (file.endsWith('.cache') || file === 'bilby.bundle.js') rmSync(join(out, file));

await build({ ...commonJs, entryPoints: { 'bilby.bundle': 'src/cli/main.ts' } });

// The modules worker threads run (startModuleThread and startSqliteThread find them beside the
// bundle): ES modules, as the CSV reader awaits at its top level.
await build({
  ...esModule,
  entryPoints: {
    'inventory-csv-thread': 'src/services/inventory-csv-thread.ts',
    'sqlite-reader-thread': 'src/store/sqlite/sqlite-reader-thread.ts',
    'sqlite-checkpoint-thread': 'src/store/sqlite/sqlite-checkpoint-thread.ts',
  },
  banner: { js: requireShim },
});

await build({
  ...esModule,
  entryPoints: { bilby: 'src/cli/bin.ts' },
  // The bin's #! line: the source has none of its own.
  banner: { js: `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}` },
});
chmodSync(join(out, 'bilby.mjs'), 0o755);
