import { execFile, spawnSync } from 'node:child_process';
import type { Io } from '../../cli/src/io.js';
import { bilbyCommand } from './built-bilby.js';

/** An Io that keeps what a command printed. */
export function captureIo(json = false): Io & { stdout: string; stderr: string } {
  const io = {
    json,
    interactive: false,
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bilby` as a real process (this tree's bundle), with only the environment given (plus PATH and HOME). */
export async function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  const [node, ...prefix] = await bilbyCommand();
  return new Promise((resolve) => {
    const child = execFile(
      node!,
      [...prefix, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? '/nonexistent', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
