/**
 * Named points of the purchase saga (and of every keyed write) where the reliability tests make the
 * server die as kill -9 would, to prove that recovery finishes whatever a crash leaves half-done.
 * BILBY_CRASH_POINT names one; services/faults.ts is what dies there.
 */
export const CRASH_POINTS = [
  'after_reserve',
  'after_carrier_ok',
  'after_carrier_failure',
  'before_final_commit',
  'after_final_commit',
  // A release: the carrier released the number, the local release not yet committed.
  'after_carrier_release',
  // A number's IPND records replaced: committed with its upstream change queued, upstream not told.
  'before_upstream_change',
  // Any write under an Idempotency-Key: committed and answered, its answer not yet stored.
  'before_idempotent_store',
  // A billing run: a batch's charges written, not committed; and a batch committed, the run not done.
  'before_billing_commit',
  'after_billing_batch',
  // A billing run of more than a batch: a batch written on the billing thread, not committed.
  'before_billing_thread_commit',
  // A restore: reserved, the carrier not yet asked; provisioned again, not yet committed; committed, not answered.
  'after_restore_reserve',
  'after_restore_carrier_ok',
  'after_restore_commit',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];
