import { fileURLToPath } from 'node:url';
import { runBundle } from './compile-cache.js';

/** The bin (cli/dist/bilby.mjs): runs the bundled CLI beside it, bilby.bundle.cjs, from V8's compiled code of earlier runs. */
runBundle(fileURLToPath(new URL('./bilby.bundle.cjs', import.meta.url)));
