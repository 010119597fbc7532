import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Running {
  base: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 from /readyz. */
  readyMs: number;
  output(): string;
  stop(): Promise<void>;
}

let nextPort = 31000;

/**
 * Starts a process that serves HTTP on PORT and waits until /readyz answers 200. `command[0]` is the
 * program: the server's bin itself (as an operator runs it, with the Node flags of its first line), or
 * process.execPath.
 */
export async function startProcess(command: string[], env: Record<string, string>): Promise<Running> {
  let port = nextPort++;
  // A server left over from an interrupted run would answer in place of this one.
  while (await answers(port)) port = nextPort++;
  let output = '';
  const started = performance.now();
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, PORT: String(port), BILBY_HOST: '127.0.0.1', BILBY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  let readyMs = 0;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited: ${output}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) {
        readyMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  return {
    base,
    pid: child.pid!,
    readyMs,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

/** Resident and peak resident memory of a process, in MB (Linux). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
}

/** Samples a process's resident memory until stopped; returns the highest sample. */
export function sampleMemory(pids: number[]): () => number {
  let highest = 0;
  const timer = setInterval(() => {
    for (const pid of pids) {
      try {
        highest = Math.max(highest, memoryOf(pid).rssMb);
      } catch {
        // the process ended
      }
    }
  }, 200);
  return () => {
    clearInterval(timer);
    return highest;
  };
}
