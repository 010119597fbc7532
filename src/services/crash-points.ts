import type { ServiceDeps } from './deps.js';

/**
 * Named points of the purchase saga where the reliability tests make the server die as kill -9
 * would, to prove that recovery finishes whatever a crash leaves half-done. Off unless configured.
 */
export const CRASH_POINTS = [
  'after_reserve',
  'after_carrier_ok',
  'after_carrier_failure',
  'before_final_commit',
  'after_final_commit',
  // Any write under an Idempotency-Key: committed and answered, its answer not yet stored.
  'before_idempotent_store',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashIfAt(deps: Pick<ServiceDeps, 'settings'>, point: CrashPoint): void {
  if (deps.settings.crashPoint === point) process.kill(process.pid, 'SIGKILL');
}
