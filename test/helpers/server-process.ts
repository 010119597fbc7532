import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string | null>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

/**
 * Runs `bilby serve` as a real process and waits until it is ready: from source, or the built bin
 * `bin` (with the Node flags of its #! line, as `npm start` runs it). On a random port unless `env` names PORT.
 */
export async function startServer(args: string[], env: Record<string, string>, bin?: string): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : pickPort();
  let output = '';
  const [command, ...prefix] = bin ? [bin] : [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];
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
      if ((await fetch(`${base}/readyz`)).ok) break;
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

/** A random port in 20000-39999, or in BILBY_TEST_PORTS (`LOW-HIGH`) where a machine reserves a range for tests. */
function pickPort(): number {
  const range = /^(\d+)-(\d+)$/.exec(process.env.BILBY_TEST_PORTS ?? '');
  const [low, high] = range ? [Number(range[1]), Number(range[2])] : [20000, 39999];
  return low + Math.floor(Math.random() * (high - low + 1));
}
