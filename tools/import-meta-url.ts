// Injected into the CommonJS bundles (tools/bundle.ts) as what import.meta.url names.
import { pathToFileURL } from 'node:url';

export const bundleFileUrl = pathToFileURL(__filename).href;
