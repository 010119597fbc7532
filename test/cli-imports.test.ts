import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { importCrossings, SRC } from './helpers/source-imports.js';

const CLI = join(SRC, 'cli');

it('the CLI reaches the server side only through server.ts and config.ts, and the API only through the SDK', () => {
  const allowed = (target: string) =>
    target.startsWith(`${CLI}/`) || target.startsWith(join(SRC, 'sdk/')) || target === join(SRC, 'server.ts') || target === join(SRC, 'config.ts');
  const { files, relativeImports, crossings } = importCrossings('cli', allowed);
  assert.ok(files > 10, `found the CLI's files (${files})`);
  assert.ok(relativeImports > 30, `read the import lines (${relativeImports})`);
  assert.deepEqual(crossings, []);
});
