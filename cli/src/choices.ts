import type { BilbyClient } from '@bilby/sdk';
import type { Io } from './io.js';

/** The values options may take, and the shape of a command's action. */

// The SDK's, generated from the OpenAPI document: exactly what the server accepts.
export { NUMBER_TYPES, PERSON_TYPES, ROUNDING_RULES, ROUTE_TYPES as ROUTES, STATES } from '@bilby/sdk';

// Commander hands actions untyped option bags and arguments; each action names what it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Run = (client: BilbyClient, io: Io, options: any, ...args: any[]) => Promise<void>;
