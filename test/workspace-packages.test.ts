import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { importsUnder, ROOT } from './helpers/source-imports.js';

interface PackageJson {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  engines?: { node?: string };
}

const readPackage = (folder: string) => JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8')) as PackageJson;
const BUILTINS = new Set(builtinModules);
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || BUILTINS.has(specifier);
/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** What a package's source reaches: the relative imports leaving its src/, and the packages it names that its package.json does not. */
function boundary(folder: string) {
  const manifest = readPackage(folder);
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);
  const src = join(ROOT, folder, 'src/');
  const { files, imports } = importsUnder(src);
  const leaving = imports.filter((i) => i.target && !i.target.startsWith(src)).map((i) => `${relative(ROOT, i.file)} imports ${relative(ROOT, i.target!)}`);
  const packages = imports.filter((i) => !i.target && !isBuiltin(i.specifier));
  const undeclared = packages.filter((i) => !declared.has(packageOf(i.specifier))).map((i) => `${relative(ROOT, i.file)} imports ${i.specifier}`);
  return { manifest, files, imports, packages, builtins: imports.filter((i) => !i.target && isBuiltin(i.specifier)), leaving, undeclared };
}

it('the root is a private workspace of the SDK, the server and the CLI, each with its own package.json', () => {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson & { workspaces?: string[] };
  assert.equal(root.private, true);
  assert.deepEqual(root.workspaces, ['sdk', 'server', 'cli']);
  assert.equal(root.dependencies, undefined, 'the root installs tools only; what runs belongs to a package');
  assert.deepEqual(
    ['sdk', 'server', 'cli'].map((folder) => readPackage(folder).name),
    ['@bilby/sdk', '@bilby/server', '@bilby/cli'],
  );
});

it('the SDK has no runtime dependencies and imports nothing but its own files: no package, no Node builtin', () => {
  const sdk = boundary('sdk');
  assert.ok(sdk.files >= 8, `found the SDK's files (${sdk.files})`);
  assert.ok(sdk.imports.length > 10, `read its imports (${sdk.imports.length})`);
  assert.deepEqual(sdk.manifest.dependencies ?? {}, {});
  assert.equal(sdk.manifest.engines?.node, '>=18.0.0');
  assert.deepEqual([...sdk.leaving, ...sdk.packages.map((i) => i.specifier), ...sdk.builtins.map((i) => i.specifier)], []);
});

it('the server imports only its own files and the packages its package.json names', () => {
  const server = boundary('server');
  assert.ok(server.files > 80, `found the server's files (${server.files})`);
  assert.ok(server.packages.length > 50, `read its package imports (${server.packages.length})`);
  assert.deepEqual([...server.leaving, ...server.undeclared], []);
  assert.ok(!server.packages.some((i) => i.specifier === '@bilby/cli'), 'the server imports nothing of the CLI');
  const sdkUsers = [...new Set(server.packages.filter((i) => i.specifier.startsWith('@bilby/sdk')).map((i) => relative(ROOT, i.file)))];
  assert.ok(sdkUsers.length > 0, 'the crazytel carrier talks through the SDK');
  assert.deepEqual(
    sdkUsers.filter((file) => !file.startsWith('server/src/carriers/crazytel/')),
    [],
    'only the upstream carrier talks through the SDK, as a client of CrazyTel',
  );
});

it('the CLI reaches the API only through the SDK and the server only through its entry (config, serve, migrate, recover)', () => {
  const cli = boundary('cli');
  assert.ok(cli.files > 10, `found the CLI's files (${cli.files})`);
  assert.ok(cli.imports.length > 30, `read its imports (${cli.imports.length})`);
  assert.deepEqual([...cli.leaving, ...cli.undeclared], []);
  const serverImports = cli.packages.filter((i) => packageOf(i.specifier) === '@bilby/server');
  assert.deepEqual([...new Set(serverImports.map((i) => relative(ROOT, i.file)))], ['cli/src/main.ts'], 'only main.ts starts the server side');
  assert.ok(serverImports.every((i) => i.specifier === '@bilby/server'), 'no deep import into the server');
  const entry = readFileSync(join(ROOT, 'server/src/index.ts'), 'utf8');
  const exported = [...entry.matchAll(/export \{([^}]*)\} from '([^']+)'/g)].map(([, names, from]) => `${from}: ${names!.replace(/\s+/g, ' ').trim()}`);
  assert.deepEqual(exported, [
    './config.js: ConfigError, loadConfig, type Config',
    './server.js: migrateDatabase, recoverOnce, serve, type DemoReport, type FullRecoveryReport, type RecoveryReport, type RunningServer, type ServeOptions',
  ]);
});
