import { writeFileSync } from 'node:fs';
import { currentOpenApiText, OPENAPI_PATH, SDK_TYPES_PATH, sdkTypesFor } from './openapi-document.js';

const text = await currentOpenApiText();
writeFileSync(OPENAPI_PATH, text);
writeFileSync(SDK_TYPES_PATH, await sdkTypesFor(text));
process.stdout.write(`Wrote ${OPENAPI_PATH} and ${SDK_TYPES_PATH}\n`);
