// One run of a bundle through the bin's code cache, in a process of its own (V8 keeps what one
// process compiled and would answer a second compile from memory): prints [use, the bundle's result].
import { runWithCodeCache, saveCompileCache } from '../../cli/src/compile-cache.js';

const [bundle, save] = process.argv.slice(2);
const use = runWithCodeCache(bundle!);
if (save === 'save') saveCompileCache();
process.stdout.write(JSON.stringify([use, (globalThis as { compileCacheFixture?: string }).compileCacheFixture]));
