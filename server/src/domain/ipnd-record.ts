/** Who holds a number, for the IPND: residential, business, government, charity, not for profit. */
export const PERSON_TYPES = ['R', 'B', 'G', 'C', 'N'] as const;
export type PersonType = (typeof PERSON_TYPES)[number];

/** The IPND address fields CrazyTel accepts besides city, state, postcode and country. */
export const ADDRESS_OPTIONAL_FIELDS = [
  'nickname',
  'unit_number',
  'unit_number_suffix',
  'unit_number_end',
  'unit_number_end_suffix',
  'level_number',
  'level_suffix',
  'building_name',
  'building_location',
  'street_number_pretty',
  'street_number_first',
  'street_number_first_suffix',
  'street_number_last',
  'street_number_last_suffix',
  'street_name',
  'street_2_name',
  'gnaf_id',
] as const;
export type AddressOptionalField = (typeof ADDRESS_OPTIONAL_FIELDS)[number];

/** A service address a number names for the IPND. */
export type Address = { id: string; city: string; state: string; postcode: string; country: string } & {
  [K in AddressOptionalField]: string | null;
};

/** The IPND person fields besides name_1 and person_type. */
export const PERSON_OPTIONAL_FIELDS = ['name_2', 'title', 'contact_number', 'nickname', 'contact_name_1', 'contact_name_2', 'birthdate'] as const;

/** The person or organisation that holds a number, for the IPND. */
export interface Person {
  id: string;
  name_1: string;
  name_2: string | null;
  title: string | null;
  person_type: PersonType;
  contact_number: string | null;
  nickname: string | null;
  contact_name_1: string | null;
  contact_name_2: string | null;
  birthdate: string | null;
}
