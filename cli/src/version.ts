import { readFileSync } from 'node:fs';

/** The CLI package's version, written into the bundle by tools/bundle.ts; undefined when run from source. */
declare const BILBY_CLI_VERSION: string | undefined;

/** The version of the CLI package (cli/package.json), whether run from its bundle or from source. */
export function cliVersion(): string {
  if (typeof BILBY_CLI_VERSION === 'string') return BILBY_CLI_VERSION;
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
