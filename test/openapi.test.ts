import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import * as choices from '../cli/src/choices.js';
import {
  currentOpenApiText,
  OPENAPI_PATH,
  SDK_TYPES_PATH,
  SDK_VALUES_PATH,
  sdkTypesFor,
  sdkValueSetsFor,
} from '../tools/openapi-document.js';

const FIX = 'run `npm run openapi` and commit openapi.json, sdk/src/openapi-types.ts and sdk/src/openapi-values.ts';

it('the committed OpenAPI document is exactly what the server serves', async () => {
  const committed = readFileSync(OPENAPI_PATH, 'utf8');
  const current = await currentOpenApiText();
  assert.ok(current === committed, `openapi.json differs from the server's document: ${FIX}`);
});

it('names every operation with its own camelCase operationId', async () => {
  const document = JSON.parse(await currentOpenApiText()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const ids = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => {
      assert.match(operation.operationId ?? '', /^[a-z][a-zA-Z]+$/, `${method} ${path}: operationId`);
      return operation.operationId;
    }),
  );
  assert.ok(ids.length >= 46, `${ids.length} operations`);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

it("the SDK's types are the ones generated from the committed document", async () => {
  const committed = readFileSync(SDK_TYPES_PATH, 'utf8');
  const generated = await sdkTypesFor(readFileSync(OPENAPI_PATH, 'utf8'));
  assert.ok(generated === committed, `sdk/src/openapi-types.ts is not generated from openapi.json: ${FIX}`);
});

it("the SDK's value sets are the ones generated from the committed document", () => {
  const committed = readFileSync(SDK_VALUES_PATH, 'utf8');
  const generated = sdkValueSetsFor(readFileSync(OPENAPI_PATH, 'utf8'));
  assert.ok(generated === committed, `sdk/src/openapi-values.ts is not generated from openapi.json: ${FIX}`);
});

it("the CLI offers exactly the document's number types, states, routes and person types", () => {
  const schemas = (JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as { components: { schemas: Record<string, { enum?: string[] }> } })
    .components.schemas;
  assert.deepEqual(choices.NUMBER_TYPES, schemas.NumberType?.enum);
  assert.deepEqual(choices.STATES, schemas.State?.enum);
  assert.deepEqual(choices.ROUTES, schemas.RouteType?.enum);
  assert.deepEqual(choices.PERSON_TYPES, schemas.PersonType?.enum);
  assert.deepEqual(schemas.State?.enum, ['ACT', 'NSW', 'NT', 'QLD', 'SA', 'TAS', 'VIC', 'WA']);
});

it("documents the purchase's 400, 404 and 500 answers with the contract's error body", async () => {
  const document = JSON.parse(await currentOpenApiText()) as {
    paths: Record<string, Record<string, { responses: Record<string, { description: string; content: Record<string, { schema: unknown }> }> }>>;
  };
  const responses = document.paths['/api/v1/phone-numbers/purchase']!.post!.responses;
  for (const [status, code] of [['400', 'insufficient_funds'], ['404', 'number_unavailable'], ['500', 'upstream_pending']] as const) {
    const answer = responses[status];
    assert.ok(answer, `${status} documented`);
    assert.deepEqual(answer.content['application/json']!.schema, { $ref: '#/components/schemas/ErrorBody' });
    assert.ok(answer.description.includes(code), `${status} names ${code}: ${answer.description}`);
  }
});
