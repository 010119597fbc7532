import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { fixedBody } from './fixed-body.js';
import type { FloorInput } from './postgres-floor-worker.js';
import { replayPurchase } from './postgres-replay.js';

/**
 * One process of the PostgreSQL HTTP floor: a bare Fastify POST route (the same logger setting as
 * Bilby) that runs the captured purchase SQL through a pool of `connections` node-postgres
 * connections, one purchase of this process's share per request, and answers a fixed JSON body of
 * CEILING_POST_BYTES. No validation, authentication, query building or carrier: the floor under any
 * Node.js HTTP server running this SQL with this driver.
 */
const input = JSON.parse(readFileSync(process.env.FLOOR_INPUT!, 'utf8')) as FloorInput;
const body = fixedBody(Number(process.env.CEILING_POST_BYTES ?? 200));
const pool = new pg.Pool({ connectionString: input.url, max: input.connections });
let next = 0;

const app = Fastify({ loggerInstance: pino({ level: process.env.BILBY_LOG_LEVEL ?? 'warn' }) });
app.post('/api/v1/phone-numbers/purchase', async (_request, reply) => {
  const client = await pool.connect();
  try {
    await replayPurchase(client, input, next++);
  } finally {
    client.release();
  }
  return reply.type('application/json').send(body);
});
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
