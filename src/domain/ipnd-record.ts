/** Who holds a number, for the IPND: residential, business, government, charity, not for profit. */
export const PERSON_TYPES = ['R', 'B', 'G', 'C', 'N'] as const;
export type PersonType = (typeof PERSON_TYPES)[number];
