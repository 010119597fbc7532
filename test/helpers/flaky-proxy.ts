import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cleanup } from './cleanup.js';

/** What the proxy does to one request: pass it on, answer instead of the server, or cut the line. */
export type Fault = (
  | { kind: 'pass' }
  | { kind: 'answer'; status: number; body: unknown; headers?: Record<string, string> }
  /** Drops the connection before the server sees the request. */
  | { kind: 'drop' }
  /** Lets the server handle the request, then drops the connection before the answer reaches the client. */
  | { kind: 'lose_answer' }
  /** Lets the server handle the request, then sends the answer's headers and half its body and cuts the line. */
  | { kind: 'cut_body' }
  /** Holds the request this long before passing it on. */
  | { kind: 'delay'; ms: number }
) & {
  /** Applies to the first request whose "METHOD path" contains this; other requests pass. @default the next request */
  match?: string;
};

/**
 * An HTTP proxy in front of a real server that fails requests on purpose, in the order of `faults`
 * (then passes everything), and records every request it saw: its headers, its method and path.
 */
export async function startFlakyProxy(t: Cleanup, target: string, faults: Fault[]) {
  const seen: IncomingHttpHeaders[] = [];
  /** Each request's method and path, in order. */
  const requests: string[] = [];
  /** When each of `requests` arrived (epoch ms). */
  const arrivals: number[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    requests.push(`${req.method} ${req.url}`);
    arrivals.push(Date.now());
    const line = `${req.method} ${req.url}`;
    const index = faults.findIndex((candidate) => candidate.match === undefined || line.includes(candidate.match));
    const fault: Fault = index === -1 ? { kind: 'pass' } : faults.splice(index, 1)[0]!;
    if (fault.kind === 'delay') {
      setTimeout(() => forward(), fault.ms);
      return;
    }
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'answer') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers ?? {}) });
      res.end(JSON.stringify(fault.body));
      return;
    }
    forward();

    function forward() {
      const upstreamRequest = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          if (fault.kind === 'lose_answer') {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          if (fault.kind === 'cut_body') {
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.on('end', () => {
              const body = Buffer.concat(chunks);
              const headers = { ...answer.headers, 'content-length': String(body.length) };
              delete headers['transfer-encoding'];
              res.writeHead(answer.statusCode ?? 502, headers);
              res.write(body.subarray(0, Math.floor(body.length / 2)));
              setTimeout(() => req.socket.destroy(), 20);
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstreamRequest);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.on('connection', (socket) => t.after(() => socket.destroy()));
  /** `faults` stays the proxy's queue: a test adds faults to it as it goes. */
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, requests, arrivals, faults };
}
