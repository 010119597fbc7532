import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVER_NODE_FLAGS } from '../../tools/server-node-flags.js';
import { bilbyCommand } from './built-bilby.js';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string | null>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

/** Where a server runs from: this tree's test bundle (the default), the source through tsx, or a built bin. */
export type ServerFrom = 'bundle' | 'source' | { bin: string };

/**
 * Runs `bilby serve` as a real process and waits until it is ready: from this tree's bundle
 * (test/helpers/built-bilby.ts), from source as `npm run dev` does, or the built bin `{ bin }` (with
 * the Node flags of its #! line, as `npm start` runs it). On a random port unless `env` names PORT.
 */
export async function startServer(args: string[], env: Record<string, string>, from: ServerFrom = 'bundle'): Promise<ServerProcess> {
  const command =
    from === 'bundle'
      ? await bilbyCommand()
      : from === 'source'
        ? [process.execPath, ...SERVER_NODE_FLAGS, '--import', 'tsx', 'cli/src/main.ts']
        : [from.bin];
  // A port picked free can be taken before the server binds it (test files run side by side):
  // then the server exits with EADDRINUSE and starts again on another.
  for (let attempt = 0; ; attempt++) {
    try {
      return await startOnPort(env.PORT ? Number(env.PORT) : await pickPort(), command, args, env);
    } catch (error) {
      if (env.PORT || attempt >= 4 || !/EADDRINUSE/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnPort(port: number, [command, ...prefix]: string[], args: string[], env: Record<string, string>): Promise<ServerProcess> {
  let output = '';
  const child = spawn(command!, [...prefix, 'serve', ...args], {
    env: {
      ...process.env,
      PORT: String(port),
      BILBY_HOST: '127.0.0.1',
      BILBY_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited: ${output}`);
    try {
      // A ready answer may come from another test's server that bound the port first: only a
      // socket the child listens on counts.
      if ((await fetch(`${base}/readyz`)).ok && listensOn(child.pid!, port)) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`serve did not become ready: ${output}`);
    await sleep(100);
  }
  return {
    child,
    base,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A port the system has just given out as free (not one a parallel test may be listening on), or a
 * random one in BILBY_TEST_PORTS (`LOW-HIGH`) where a machine reserves a range for tests.
 */
async function pickPort(): Promise<number> {
  const range = /^(\d+)-(\d+)$/.exec(process.env.BILBY_TEST_PORTS ?? '');
  if (range) return Number(range[1]) + Math.floor(Math.random() * (Number(range[2]) - Number(range[1]) + 1));
  return closedPort();
}

/** A port nothing listens on: the system gave it out as free, and it was closed again. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Whether process `pid` holds the socket listening on `port` (Linux's /proc). Where /proc cannot
 * tell (another system), the ready answer is taken as the child's.
 */
function listensOn(pid: number, port: number): boolean {
  return holdsSocket(pid, port, '0A') ?? true;
}

/**
 * Whether process `pid` holds a TCP socket whose local port is `port`, in the state `state` (hex as
 * /proc/net/tcp writes it: 0A listening, 01 established); undefined where /proc cannot tell.
 */
export function holdsSocket(pid: number, port: number, state: string): boolean | undefined {
  let sockets: Set<string>;
  let fds: string[];
  try {
    sockets = new Set();
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is ADDRESS:PORT in hex, st the socket's state, the tenth field its inode.
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === state) sockets.add(fields[9]!);
      }
    }
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode && sockets.has(inode)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}
