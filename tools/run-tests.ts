import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { builtBilby } from '../test/helpers/built-bilby.js';
import { prepareTemplates } from '../test/helpers/database-templates.js';

/**
 * `npm test`: the type check and the test files side by side, the files several at a time. What
 * every file shares is made first, once: the bundle test processes run and the migrated template
 * databases. The longest files start first so that no long one is left running alone at the end.
 * `npm test -- test/a.test.ts ...` runs only those files. BILBY_TEST_CONCURRENCY sets how many run at once.
 * At the end it prints the slowest files and how long each ran (tools/file-times-reporter.mjs).
 * Unless TMPDIR is set, the tests' temporary files (their SQLite databases, CSV files, the templates)
 * go to memory, /dev/shm where there is one: SQLite syncs its log on every commit, and thousands of
 * syncs to a disk are time the tests spend waiting on it. The syncs still run, each one real.
 */
// From the per-file report of a full run (with PostgreSQL), longest first.
const LONGEST_FIRST = [
  'purchase-model-postgres',
  'idempotent-crash',
  'import-million',
  'crash-points',
  'ledger-property-postgres',
  'multi-process',
  'client-timeouts',
  'purchase-model-sqlite',
  'reseller-postgres',
  'reseller-sqlite',
  'reconcile-postgres',
  'reconcile-sqlite',
  'auth-and-input',
  'bin',
  'ledger-property-sqlite',
  'sdk',
  'sdk-package',
  'import-property',
  'inventory',
  'purchase',
  'serve',
  'cli',
];

const started = performance.now();
useMemoryTmpdir();
const named = process.argv.slice(2);
const files = named.length > 0 ? named : allTestFiles();
const concurrency = Number(process.env.BILBY_TEST_CONCURRENCY) || Math.max(2, availableParallelism() * 2);

const typecheck = named.length > 0 ? Promise.resolve(0) : run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
await Promise.all([builtBilby(), prepareTemplates(process.env.BILBY_TEST_DATABASE_URL || undefined)]);
const timesDir = mkdtempSync(join(tmpdir(), 'bilby-test-times-'));
const timesFile = join(timesDir, 'files.tsv');
const tests = await run(process.execPath, [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./tools/file-times-reporter.mjs',
  `--test-reporter-destination=${timesFile}`,
  ...files,
]);
const types = await typecheck;
printSlowestFiles(timesFile, 12);
rmSync(timesDir, { recursive: true, force: true });
const seconds = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n# ${files.length} test files, ${concurrency} at a time, in ${seconds} s${types === 0 ? '' : '; the type check failed'}`);
process.exitCode = tests === 0 && types === 0 ? 0 : 1;

/** The files that ran longest, from the reporter's `seconds<TAB>file` lines. */
function printSlowestFiles(path: string, count: number): void {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return; // the runner stopped before the reporter wrote anything
  }
  const times = lines
    .map((line) => line.split('\t'))
    .map(([seconds, file]) => ({ seconds: Number(seconds), file: relative(process.cwd(), file ?? '') }))
    .sort((a, b) => b.seconds - a.seconds);
  console.log(`\n# slowest test files (wall time of each file's process):`);
  for (const { seconds, file } of times.slice(0, count)) console.log(`#   ${seconds.toFixed(1).padStart(6)} s  ${file}`);
}

function useMemoryTmpdir(): void {
  if (process.env.TMPDIR) return;
  try {
    if (!statSync('/dev/shm').isDirectory()) return;
    accessSync('/dev/shm', constants.W_OK);
    mkdirSync('/dev/shm/bilby-test-tmp', { recursive: true });
    process.env.TMPDIR = '/dev/shm/bilby-test-tmp'; // os.tmpdir() here and in every process started
  } catch {
    // no /dev/shm: the system's temporary directory
  }
}

function allTestFiles(): string[] {
  const rank = (file: string) => {
    const index = LONGEST_FIRST.indexOf(file.replace(/^test\/|\.test\.ts$/g, ''));
    return index === -1 ? LONGEST_FIRST.length : index;
  };
  return readdirSync('test')
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `test/${file}`)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
