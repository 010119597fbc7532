import Fastify from 'fastify';
import { pino } from 'pino';
import { fixedBody } from './fixed-body.js';

/**
 * The ceiling: a bare Fastify app on the same machine, with the same logger setting as Bilby,
 * answering a fixed JSON body of the given size to GET and to POST (which reads a JSON body).
 */
const port = Number(process.env.PORT);
const getBytes = Number(process.env.CEILING_GET_BYTES ?? 4000);
const postBytes = Number(process.env.CEILING_POST_BYTES ?? 200);
const getBody = fixedBody(getBytes);
const postBody = fixedBody(postBytes);

const app = Fastify({ loggerInstance: pino({ level: process.env.BILBY_LOG_LEVEL ?? 'warn' }) });
app.get('/ceiling', async (_request, reply) => reply.type('application/json').send(getBody));
app.post('/ceiling', async (_request, reply) => reply.type('application/json').send(postBody));
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port, host: '127.0.0.1' });
