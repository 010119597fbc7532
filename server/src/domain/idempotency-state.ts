/**
 * Where an Idempotency-Key's record stands: its request still running (`in_progress`), its answer
 * stored (`done`), or answered `upstream_pending` with its order still to settle (`pending_order`).
 */
export const IDEMPOTENCY_STATES = ['in_progress', 'done', 'pending_order'] as const;
export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[number];
