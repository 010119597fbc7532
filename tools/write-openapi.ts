import { writeFileSync } from 'node:fs';
import { currentOpenApiText, OPENAPI_PATH, SDK_TYPES_PATH, SDK_VALUES_PATH, sdkTypesFor, sdkValueSetsFor } from './openapi-document.js';

const text = await currentOpenApiText();
writeFileSync(OPENAPI_PATH, text);
writeFileSync(SDK_TYPES_PATH, await sdkTypesFor(text));
writeFileSync(SDK_VALUES_PATH, sdkValueSetsFor(text));
process.stdout.write(`Wrote ${OPENAPI_PATH}, ${SDK_TYPES_PATH} and ${SDK_VALUES_PATH}\n`);
