import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SRC = join(ROOT, 'server/src/');

/** Every module specifier a file names (imports, re-exports, import()), as the TypeScript compiler reads them. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

export interface SourceImport {
  /** The importing file, absolute. */
  file: string;
  specifier: string;
  /** The .ts file a relative specifier names, absolute; undefined for a package or a builtin. */
  target?: string;
}

/** Every import of every .ts file under dir. */
export function importsUnder(dir: string): { files: number; imports: SourceImport[] } {
  const files = sourceFiles(dir);
  const imports = files.flatMap((file) =>
    specifiers(readFileSync(file, 'utf8')).map((specifier) =>
      specifier.startsWith('.') ? { file, specifier, target: resolve(dirname(file), specifier).replace(/\.js$/, '.ts') } : { file, specifier },
    ),
  );
  return { files: files.length, imports };
}

export interface Crossings {
  files: number;
  relativeImports: number;
  /** `a imports b`, paths relative to server/src/, for each import of a file `allowed` refuses. */
  crossings: string[];
}

/** Reads every relative import of the files under server/src/`folder` and names those `allowed` refuses (given the .ts file imported). */
export function importCrossings(folder: string, allowed: (target: string) => boolean): Crossings {
  const { files, imports } = importsUnder(join(SRC, folder));
  const relativeImports = imports.filter((i) => i.target !== undefined);
  const crossings = relativeImports.filter((i) => !allowed(i.target!)).map((i) => `${relative(SRC, i.file)} imports ${relative(SRC, i.target!)}`);
  return { files, relativeImports: relativeImports.length, crossings };
}
