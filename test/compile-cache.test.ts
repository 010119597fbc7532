import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, it } from 'node:test';
import { type CacheUse, wrapModule } from '../cli/src/compile-cache.js';

/** A bundle as tools/bundle.ts writes one: a CommonJS module. */
function fixture(letter: string): string {
  return `"use strict";
function answer() { return '${letter}${letter}${letter}' + require('node:path').basename(__filename); }
globalThis.compileCacheFixture = answer();
`;
}

function setUp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-compile-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'bundle.js');
}

/** Runs the bundle in a process of its own, saving the cache afterwards if `save`: [use, result]. */
function run(bundle: string, save?: 'save'): [CacheUse, string] {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'test/helpers/compile-cache-run.ts', bundle, save ?? ''], { encoding: 'utf8' });
  return JSON.parse(output) as [CacheUse, string];
}

describe('the bin\'s own code cache, for a Node without a module compile cache (Node 20)', () => {
  it('is saved after a run without one, starts with the source\'s hash and is used by the next run', (t) => {
    const bundle = setUp(t);
    writeFileSync(bundle, fixture('A'));
    assert.deepEqual(run(bundle, 'save'), ['absent', 'AAAbundle.js']);
    const cache = readFileSync(`${bundle}.cache`);
    assert.deepEqual(cache.subarray(0, 32), createHash('sha256').update(readFileSync(bundle)).digest());
    // A run that used the cache has nothing to save.
    assert.deepEqual(run(bundle, 'save'), ['used', 'AAAbundle.js']);
    assert.deepEqual(readFileSync(`${bundle}.cache`), cache);
  });

  it('never runs another build\'s code: V8 accepts a cache for any source of the same length', (t) => {
    const bundle = setUp(t);
    writeFileSync(bundle, fixture('A'));
    run(bundle, 'save');
    const rebuilt = fixture('B');
    assert.equal(rebuilt.length, fixture('A').length);
    writeFileSync(bundle, rebuilt);

    // What the hash guards against: V8 alone takes build A's cache for build B and runs A's code.
    const v8Data = readFileSync(`${bundle}.cache`).subarray(32);
    const unguarded = new Script(wrapModule(rebuilt), { filename: bundle, cachedData: v8Data });
    assert.equal(unguarded.cachedDataRejected, false);
    unguarded.runInThisContext()({}, createRequire(bundle), {}, bundle, '');
    assert.equal((globalThis as { compileCacheFixture?: string }).compileCacheFixture, 'AAAbundle.js');

    assert.deepEqual(run(bundle, 'save'), ['stale', 'BBBbundle.js']);
    assert.deepEqual(run(bundle), ['used', 'BBBbundle.js']);
  });

  it('compiles afresh when V8 rejects the cache (another Node version, other flags) and saves a new one', (t) => {
    const bundle = setUp(t);
    writeFileSync(bundle, fixture('A'));
    run(bundle, 'save');
    const cache = readFileSync(`${bundle}.cache`);
    cache.writeUInt8(cache.readUInt8(32 + 4) ^ 0xff, 32 + 4); // inside V8's own header: the version it was made by
    writeFileSync(`${bundle}.cache`, cache);
    assert.deepEqual(run(bundle, 'save'), ['rejected', 'AAAbundle.js']);
    assert.deepEqual(run(bundle), ['used', 'AAAbundle.js']);
  });

  it('a cache that cannot be written leaves the run uncached and no stray file', (t) => {
    const bundle = setUp(t);
    writeFileSync(bundle, fixture('A'));
    // A non-empty directory where the cache goes: reading fails, and so does renaming onto it.
    // (Permissions would not stop the tests when they run as root.)
    mkdirSync(`${bundle}.cache`);
    writeFileSync(join(`${bundle}.cache`, 'keep'), '');
    assert.deepEqual(run(bundle, 'save'), ['absent', 'AAAbundle.js']);
    assert.deepEqual(readdirSync(join(bundle, '..')).sort(), ['bundle.js', 'bundle.js.cache']);
    assert.equal(existsSync(join(`${bundle}.cache`, 'keep')), true);
  });
});
