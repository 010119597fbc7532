import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CLI = join(SRC, 'cli');

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

it('the CLI reaches the server side only through server.ts and config.ts, and the API only through the SDK', () => {
  const allowed = (target: string) =>
    target.startsWith(`${CLI}/`) || target.startsWith(join(SRC, 'sdk/')) || target === join(SRC, 'server.ts') || target === join(SRC, 'config.ts');
  const files = sourceFiles(CLI);
  assert.ok(files.length > 10, `found the CLI's files (${files.length})`);
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
  assert.ok(relativeImports > 30, `read the import lines (${relativeImports})`);
  assert.deepEqual(crossings, []);
});
