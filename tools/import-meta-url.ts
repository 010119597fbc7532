// Injected into the CommonJS bundle (tools/bundle.ts) as what import.meta.url names there.
import { pathToFileURL } from 'node:url';

export const bundleFileUrl = pathToFileURL(__filename).href;
