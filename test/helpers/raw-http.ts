import { connect } from 'node:net';

/** Writes `head` as is on a socket of its own (fetch would fix what these tests break) and returns all it got back. */
export function rawExchange(base: string, head: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(head);
  });
}

/** The status, headers (names lower-cased) and body of a raw HTTP/1.1 answer. */
export function parseRawAnswer(answer: string): { statusCode: number; headers: Record<string, string>; body: string } {
  const [top = '', ...rest] = answer.split('\r\n\r\n');
  const [status = '', ...lines] = top.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusCode: Number(status.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}
