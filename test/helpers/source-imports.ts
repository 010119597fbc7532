import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module specifier a file names: static imports and re-exports, side-effect imports, import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const match of source.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

export interface Crossings {
  files: number;
  relativeImports: number;
  /** `a imports b`, paths relative to src/, for each import of a file `allowed` refuses. */
  crossings: string[];
}

/** Reads every relative import of the files under src/`folder` and names those `allowed` refuses (given the .ts file imported). */
export function importCrossings(folder: string, allowed: (target: string) => boolean): Crossings {
  const files = sourceFiles(join(SRC, folder));
  const crossings: string[] = [];
  let relativeImports = 0;
  for (const file of files) {
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // a package
      relativeImports++;
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (!allowed(target)) crossings.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  return { files: files.length, relativeImports, crossings };
}
