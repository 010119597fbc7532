import { chmodSync } from 'node:fs';
import { build, type BuildOptions } from 'esbuild';

/**
 * The bin starts Node with a smaller young generation and an old generation that grows by 20% past
 * what survived the last full collection (V8's default lets it reach several times that). Under the
 * bench's purchase load that keeps a server at about 140 MB resident instead of about 195 MB, for
 * about 5–10% of its throughput; `node [flags] dist/bilby.mjs` runs it with other flags instead.
 */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

/**
 * The server and CLI as one file (dist/bilby.mjs): Node then loads one module instead of hundreds,
 * which takes start to ready from about 1.2 s to under 0.5 s on this kind of machine. Left outside:
 * the native SQLite binding and pg's optional native driver. swagger-ui is inside (its files are
 * served from its package directory, src/http/app.ts names it).
 */
const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native'],
  logLevel: 'warning',
};
// A require for the CommonJS dependencies, which still call it inside an ES module.
const requireShim = "import { createRequire as __bilbyCreateRequire } from 'node:module';\nconst require = __bilbyCreateRequire(import.meta.url);";

await build({
  ...shared,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/bilby.mjs',
  // The bin's #! line: the source has none of its own.
  banner: { js: `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}\n${requireShim}` },
});
chmodSync('dist/bilby.mjs', 0o755);

// The modules worker threads run (startModuleThread finds them beside the bin).
await build({
  ...shared,
  entryPoints: { 'inventory-csv-thread': 'src/services/inventory-csv-thread.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  banner: { js: requireShim },
});
