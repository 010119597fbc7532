import type { BilbyClient } from '../sdk/index.js';
import type { Io } from './io.js';

/** The values options may take, and the shape of a command's action. */

export const NUMBER_TYPES = ['geographic', 'mobile', 'tollfree', 'local_rate'] as const;
export const STATES = ['ACT', 'NSW', 'NT', 'QLD', 'SA', 'TAS', 'VIC', 'WA'] as const;
export const ROUTES = ['device', 'server', 'congestion', 'forward', 'voicemail', 'ivr', 'queue', 'ring_group'] as const;
export const PERSON_TYPES = ['R', 'B', 'G', 'C', 'N'] as const;

// Commander hands actions untyped option bags and arguments; each action names what it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Run = (client: BilbyClient, io: Io, options: any, ...args: any[]) => Promise<void>;
