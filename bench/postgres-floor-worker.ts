import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { BuyerValues } from './captured-purchase.js';
import { replayPurchase } from './postgres-replay.js';

/**
 * One process of the PostgreSQL floor (bench/postgres-floor.ts): its connections replay the captured
 * purchase, each purchase a number of this process's share, until the parent says stop. Prints
 * "ready" once connected, starts at "go" on stdin, counts from "mark" and prints its count as JSON
 * at "stop".
 */
export interface FloorInput {
  url: string;
  captured: { text: string; values: unknown[] }[];
  capturedDid: unknown;
  capturedBuyer: BuyerValues;
  buyers: BuyerValues[];
  numbers: string[];
  connections: number;
  worker: number;
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FloorInput;
const clients = await Promise.all(
  Array.from({ length: input.connections }, async () => {
    const client = new pg.Client({ connectionString: input.url });
    await client.connect();
    return client;
  }),
);
let next = 0;
let purchases = 0;
let failures = 0;
/** Purchases done before "mark" (the warm-up); failures count throughout. */
let warmUpPurchases: number | undefined;
let running = true;

async function purchaseLoop(client: pg.Client): Promise<void> {
  while (running) {
    try {
      await replayPurchase(client, input, next++);
      purchases++;
    } catch {
      failures++;
    }
  }
}

process.stdout.write('ready\n');
let loops: Promise<void>[] = [];
let buffered = '';
process.stdin.on('data', async (chunk) => {
  buffered += chunk;
  if (buffered.includes('go\n') && loops.length === 0) loops = clients.map(purchaseLoop);
  if (buffered.includes('mark\n') && warmUpPurchases === undefined) warmUpPurchases = purchases;
  if (buffered.includes('stop\n')) {
    running = false;
    await Promise.all(loops);
    process.stdout.write(`${JSON.stringify({ purchases: purchases - (warmUpPurchases ?? 0), failures })}\n`);
    await Promise.all(clients.map((client) => client.end()));
    process.exit(0);
  }
});
