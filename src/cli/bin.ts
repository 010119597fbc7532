import { createRequire } from 'node:module';
import { enableCompileCache } from './compile-cache.js';

/** The bin (dist/bilby.mjs): runs the bundled CLI beside it, dist/bilby.bundle.cjs, from Node's compile cache where Node has one. */
enableCompileCache();
createRequire(import.meta.url)('./bilby.bundle.cjs');
