import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** A delivery as the receiver got it. */
export interface ReceivedDelivery {
  body: string;
  headers: IncomingMessage['headers'];
  eventId: string;
  receivedAt: number;
  /** Deliveries of the same event being received at that moment, this one included. */
  concurrentOfEvent: number;
  /** The sender's end of the connection: which process sent it (helpers/server-process.ts holdsSocket). */
  senderPort: number;
}

/** How the receiver answers a delivery: a status, after a delay; `hang` never answers. */
export type Answer = { status: number; delayMs?: number } | 'hang';

/** A real HTTP receiver on the loopback: records every delivery and answers as told. */
export interface WebhookReceiver {
  url: string;
  deliveries: ReceivedDelivery[];
  /** How the next deliveries are answered, in turn; once they are used up, `otherwise`. */
  answers: Answer[];
  otherwise: Answer;
  /** Answers chosen by the delivery itself, before `answers` and `otherwise`; undefined leaves it to them. */
  respond?: (delivery: ReceivedDelivery) => Answer | undefined;
  /** Resolves when `count` deliveries have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(t: TestContext): Promise<WebhookReceiver> {
  const inFlight = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const receiver: WebhookReceiver = {
    url: '',
    deliveries: [],
    answers: [],
    otherwise: { status: 200 },
    waitFor(count, timeoutMs = 20_000) {
      if (receiver.deliveries.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${receiver.deliveries.length} of ${count} deliveries within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const eventId = String(request.headers['bilby-event-id'] ?? '');
      const concurrent = (inFlight.get(eventId) ?? 0) + 1;
      inFlight.set(eventId, concurrent);
      const delivery = { body: Buffer.concat(chunks).toString('utf8'), headers: request.headers, eventId, receivedAt: Date.now(), concurrentOfEvent: concurrent, senderPort: request.socket.remotePort ?? 0 };
      receiver.deliveries.push(delivery);
      for (const waiter of [...waiters]) {
        if (receiver.deliveries.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      const answer = receiver.respond?.(delivery) ?? receiver.answers.shift() ?? receiver.otherwise;
      const done = () => inFlight.set(eventId, (inFlight.get(eventId) ?? 1) - 1);
      if (answer === 'hang') {
        hanging.add(response);
        response.on('close', done);
        return;
      }
      setTimeout(() => {
        done();
        response.writeHead(answer.status, { 'content-type': 'text/plain' }).end('ok');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  t.after(() => receiver.close());
  return receiver;
}
