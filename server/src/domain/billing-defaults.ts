/** Where billing's calendar dates are taken unless BILBY_BILLING_TIME_ZONE says otherwise. */
export const DEFAULT_BILLING_TIME_ZONE = 'Australia/Sydney';
