import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { importCrossings, SRC } from './helpers/source-imports.js';

/** The imports of `layer` that reach a file of server/src/ outside the folders it may use. */
function crossings(layer: string, mayUse: string[]) {
  const allowed = [layer, ...mayUse].map((folder) => join(SRC, folder, '/'));
  return importCrossings(layer, (target) => allowed.some((folder) => target.startsWith(folder)));
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
