import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import ts from 'typescript';
import { fillRoute } from '../sdk/src/routes.js';

const SDK_ENTRY = resolve('sdk/src/index.ts');
const SDK_TYPES = resolve('sdk/src/openapi-types.ts');

/**
 * The type checker's errors for the SDK, as tsconfig.json sets it up but without Node's types (the
 * SDK runs in browsers too), with openapi-types.ts replaced by `types`.
 */
function sdkTypeErrors(types: string): string[] {
  const { config } = ts.readConfigFile('tsconfig.json', (file) => ts.sys.readFile(file));
  const options = { ...ts.parseJsonConfigFileContent(config, ts.sys, process.cwd()).options, types: [] };
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (resolve(file) === SDK_TYPES ? types : readFile(file));
  const program = ts.createProgram([SDK_ENTRY], { ...options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0;
    const where = d.file ? `${d.file.fileName.slice(process.cwd().length + 1)}:${line}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

it("a route or a path parameter renamed in the OpenAPI document fails the type check of the SDK's call to it", () => {
  // The SDK type-checks against the committed document: npm test's typecheck shows that.
  const types = readFileSync(SDK_TYPES, 'utf8');
  const renamed = types
    .replace('"/api/v1/phone-numbers/cities": {', '"/api/v1/phone-numbers/towns": {')
    .replace(/(revokeApiKey: \{[\s\S]*?path: \{\s*account_id: string;\s*)key_id(: string;)/, '$1id$2');
  const errors = sdkTypeErrors(renamed);
  const inClient = errors.filter((e) => e.startsWith('sdk/src/client.ts:'));
  assert.ok(inClient.some((e) => e.includes('"/phone-numbers/cities/"')), errors.join('\n') || 'no type error');
  assert.ok(inClient.some((e) => e.includes("'key_id' does not exist")), errors.join('\n'));
  assert.equal(inClient.length, errors.length, errors.join('\n'));
});

it('fills path parameters percent-encoded and refuses a missing one', () => {
  assert.equal(fillRoute('/accounts/{account_id}/keys/{key_id}', { account_id: 'a/b', key_id: 'k 1' }), '/accounts/a%2Fb/keys/k%201');
  assert.equal(fillRoute('/balance/', undefined), '/balance/');
  assert.throws(() => fillRoute('/accounts/{account_id}', {}), /no value for \{account_id\}/);
});
