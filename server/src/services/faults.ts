import type { CrashPoint } from '../domain/crash-points.js';

/**
 * Fault injection for the reliability tests, told of each named point the saga and keyed writes
 * reach. Absent in production: server.ts passes one only when BILBY_CRASH_POINT is set.
 */
export interface Faults {
  reached(point: CrashPoint): void;
  /** Where it kills the process: a worker thread doing the server's work is told, to kill it there too. */
  readonly point: CrashPoint;
}

/** Faults that kill the process at `point` as kill -9 would: no shutdown, no cleanup. */
export function crashAt(point: CrashPoint): Faults {
  return {
    point,
    reached(at) {
      if (at === point) process.kill(process.pid, 'SIGKILL');
    },
  };
}
