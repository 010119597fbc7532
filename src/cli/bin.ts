import { fileURLToPath } from 'node:url';
import { runWithCompileCache } from './compile-cache.js';

/** The bin (dist/bilby.mjs): runs the bundled CLI beside it, dist/bilby.bundle.js, from its code cache. */
runWithCompileCache(fileURLToPath(new URL('./bilby.bundle.js', import.meta.url)));
