/** A suspended account's keys are refused (403 account_suspended) until it is reactivated. */
export const ACCOUNT_STATUSES = ['active', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
