import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { build, transform } from 'esbuild';
import ts from 'typescript';
import { createTestContext } from './helpers/context.js';
import { ROOT } from './helpers/source-imports.js';

const execFileAsync = promisify(execFile);
const NPM = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ['npm'];
const npm = (args: string[], cwd: string) => execFileAsync(NPM[0]!, [...NPM.slice(1), ...args, '--no-audit', '--no-fund'], { cwd, env: { ...process.env, npm_config_loglevel: 'error' } });

/** A Node.js 18 binary to run the installed SDK with; .ci/run installs one from the npm registry. */
const NODE18 = process.env.BILBY_TEST_NODE18 || undefined;

/** The README's TypeScript example, the SDK's documented use. */
const README_EXAMPLE = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)][0]?.[1] ?? '';

/**
 * The SDK as a user gets it: `npm pack -w sdk` (which builds it), installed from the tarball into an
 * empty project, then imported by name from plain JavaScript, TypeScript and a browser bundle.
 */
describe('the SDK package', () => {
  let work: string;
  let project: string;
  let packed: { filename: string; files: Array<{ path: string }>; name: string };
  let installSeconds: number;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'bilby-sdk-package-'));
    const { stdout } = await npm(['pack', '-w', 'sdk', '--json', '--pack-destination', work], ROOT);
    packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;
    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }));
    const started = performance.now();
    await npm(['install', '--offline', join(work, packed.filename)], project);
    installSeconds = (performance.now() - started) / 1000;
  });
  process.on('exit', () => work && rmSync(work, { recursive: true, force: true }));

  it('packs only its build, and installs alone: nothing but @bilby/sdk lands in node_modules', (t) => {
    assert.equal(packed.name, '@bilby/sdk');
    const files = packed.files.map((file) => file.path).sort();
    assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), files.join(', '));
    assert.deepEqual(files.filter((file) => !/^dist\/[\w-]+\.(js|d\.ts)$/.test(file) && !['package.json', 'README.md', 'LICENSE'].includes(file)), []);
    const sources = readdirSync(join(ROOT, 'sdk/src')).map((file) => file.replace(/\.ts$/, ''));
    assert.deepEqual(files.filter((file) => file.endsWith('.js')).map((file) => file.slice('dist/'.length, -'.js'.length)).sort(), sources.sort(), 'one module per source file, nothing a removed file left');
    assert.deepEqual(readdirSync(join(project, 'node_modules')).sort(), ['.package-lock.json', '@bilby']);
    assert.deepEqual(readdirSync(join(project, 'node_modules/@bilby')), ['sdk']);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@bilby/sdk/package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.dependencies, undefined);
    t.diagnostic(`npm install of the packed SDK took ${installSeconds.toFixed(1)} s`);
  });

  it("compiles the README's example as written against the installed package's types", () => {
    assert.match(README_EXAMPLE, /from '@bilby\/sdk'/);
    const file = join(project, 'example.ts');
    writeFileSync(file, README_EXAMPLE);
    const program = ts.createProgram({
      rootNames: [file],
      options: {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, []);
    assert.ok(program.getSourceFiles().some((source) => source.fileName.endsWith('node_modules/@bilby/sdk/dist/index.d.ts')), 'the types came from the package');
  });

  async function runReadmeExample(t: TestContext, node: string) {
    const ctx = await createTestContext(t, 'sqlite');
    await ctx.seedNumbers(['61291234567', '61291234568']);
    const account = await ctx.createAccount({ balance: 100_00 });
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    assert.ok(README_EXAMPLE.includes("'http://localhost:8080'"), 'the example names the local server it talks to');
    const { code } = await transform(README_EXAMPLE.replace("'http://localhost:8080'", JSON.stringify(base)), { loader: 'ts', format: 'esm' });
    const script = join(project, `example-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(script, code);
    const { stdout } = await execFileAsync(node, [script], { cwd: project, env: { ...process.env, BILBY_API_KEY: account.key } });
    return stdout.trim().split('\n');
  }

  it("runs the README's example with plain Node against a real server: it buys a number and lists it", async (t) => {
    const lines = await runReadmeExample(t, process.execPath);
    assert.match(lines[0] ?? '', /^bought 61291234567 for \$\d+(\.\d+)?: order \S+$/);
    assert.deepEqual(lines.slice(1), ['61291234567 device']);
  });

  it('runs the same on Node.js 18', { skip: NODE18 ? false : 'BILBY_TEST_NODE18 names no Node.js 18 binary (.ci/run installs one)' }, async (t) => {
    const { stdout } = await execFileAsync(NODE18!, ['--version']);
    assert.match(stdout, /^v18\./);
    const lines = await runReadmeExample(t, NODE18!);
    assert.match(lines[0] ?? '', /^bought 61291234567 for \$/);
    assert.deepEqual(lines.slice(1), ['61291234567 device']);
  });

  it('bundles for a browser: no Node builtin, no polyfill, fetch only', async () => {
    writeFileSync(join(project, 'browser.js'), "import { createClient } from '@bilby/sdk';\nexport const client = createClient({ baseUrl: location.origin, apiKey: 'k' });\n");
    const result = await build({ entryPoints: [join(project, 'browser.js')], absWorkingDir: project, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    assert.deepEqual(result.errors, []);
    const bundle = result.outputFiles[0]!.text;
    assert.ok(bundle.includes('fetch('), 'the client calls fetch');
    assert.doesNotMatch(bundle, /\brequire\(|from "node:|process\.|Buffer\./);
  });
});
