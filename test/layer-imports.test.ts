import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

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

/** The files of `layer` that import a file of src/ outside the folders it may use. */
function crossings(layer: string, mayUse: string[]): { files: number; relativeImports: number; crossings: string[] } {
  const allowed = [layer, ...mayUse].map((folder) => join(SRC, folder, '/'));
  const files = sourceFiles(join(SRC, layer));
  const found: string[] = [];
  let relativeImports = 0;
  for (const file of files) {
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // a package
      relativeImports++;
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (!allowed.some((folder) => target.startsWith(folder))) found.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  return { files: files.length, relativeImports, crossings: found };
}

it('http reaches the database and the carrier only through services: it imports its own files, services and the domain', () => {
  const http = crossings('http', ['services', 'domain']);
  assert.ok(http.files > 20, `found the http files (${http.files})`);
  assert.ok(http.relativeImports > 100, `read the import lines (${http.relativeImports})`);
  assert.deepEqual(http.crossings, []);
});

it('the domain imports nothing of the rest of the server', () => {
  const domain = crossings('domain', []);
  assert.ok(domain.files > 10, `found the domain files (${domain.files})`);
  assert.ok(domain.relativeImports > 10, `read the import lines (${domain.relativeImports})`);
  assert.deepEqual(domain.crossings, []);
});
