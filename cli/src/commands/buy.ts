import parsePhoneNumber from 'libphonenumber-js';
import {
  NUMBER_TYPES,
  PERSON_TYPES,
  STATES,
  UnsupportedError,
  type AvailableNumber,
  type AvailableNumberFilters,
  type BilbyClient,
  type NumberType,
  type PersonType,
  type PurchaseInput,
  type PurchaseQuote,
} from '@bilby/sdk';
import { defined } from '../arguments.js';
import { CancelledError, UsageError } from '../failures.js';
import { dollars, emit, type Io } from '../io.js';
import type { Choice, Prompts } from '../prompts.js';
import { collect } from './numbers.js';

export interface BuyFlags {
  address?: string;
  owner?: string;
  route?: string;
  destination?: string;
  description?: string;
  dryRun?: boolean;
  idempotencyKey?: string;
}

/** `bilby buy <number> --address --owner --route [--destination]`: the purchase without questions. */
export async function buyWithFlags(client: BilbyClient, didNumber: string, flags: BuyFlags, io: Io): Promise<void> {
  const missing = (['address', 'owner', 'route'] as const).filter((flag) => !flags[flag]).map((flag) => `--${flag}`);
  if (missing.length > 0) {
    throw new UsageError(`bilby buy ${didNumber} needs ${missing.join(', ')} (or run bilby buy with no arguments to be guided)`);
  }
  const input: PurchaseInput = defined({
    did_number: didNumber,
    address_id: flags.address!,
    person_id: flags.owner!,
    primary_route: flags.route!,
    primary_destination: flags.destination,
    description: flags.description,
  });
  if (flags.dryRun) {
    emit(io, await client.quote(input), describeQuote);
    return;
  }
  const result = await client.purchase(input, defined({ idempotencyKey: flags.idempotencyKey }));
  emit(io, result, (r) => `Bought ${r.did_number ?? didNumber}${r.charged !== undefined ? ` for ${dollars(r.charged)}` : ''}. Order ${r.order_id ?? '(none given)'}; balance ${dollars(r.balance)}.`);
}

function describeQuote(q: PurchaseQuote): string {
  return `${q.did_number} would cost ${dollars(q.charged)}: balance ${dollars(q.balance)} → ${dollars(q.balance_after)}. Nothing was bought.`;
}

/** Numbers as people write them: 02 9123 4567, 0412 345 678, 1300 123 456. */
export function national(didNumber: string): string {
  return parsePhoneNumber(`+${didNumber}`)?.formatNational() ?? didNumber;
}

// Keyed by the SDK's value sets, so a value the server adds cannot be missing from a question.
const TYPE_LABELS: Record<NumberType, { label: string; hint: string }> = {
  geographic: { label: 'Local landline number', hint: '02, 03, 07, 08' },
  mobile: { label: 'Mobile number', hint: '04' },
  tollfree: { label: 'Freecall', hint: '1800' },
  local_rate: { label: 'Local rate', hint: '13, 1300' },
};
const PERSON_LABELS: Record<PersonType, string> = {
  R: 'Residential',
  B: 'Business',
  G: 'Government',
  C: 'Charity',
  N: 'Not for profit',
};
const TYPES: Array<Choice<NumberType | 'any'>> = [
  { value: 'any', label: 'Any kind' },
  ...NUMBER_TYPES.map((value) => ({ value, ...TYPE_LABELS[value] })),
];

/**
 * `bilby buy` with no arguments: the seed's purchase process, one question at a time. Search and
 * pick a number, pick or add an address and an owner, pick a destination, describe it, see the
 * price and the balance after, confirm, buy, and print the order id.
 *
 * An address or owner added on the way is saved at once, not at the end: the price check before
 * the confirmation runs every check of the purchase, which needs them on the server, and a saved
 * one is offered the next time. So a guided purchase that ends without buying says what it kept.
 */
export async function guidedBuy(client: BilbyClient, prompts: Prompts, io: Io): Promise<void> {
  const saved: string[] = [];
  try {
    await guide(client, prompts, io, saved);
  } catch (error) {
    if (saved.length > 0) io.err(`${saved.join('\n')}\n`);
    throw error;
  }
}

async function guide(client: BilbyClient, prompts: Prompts, io: Io, saved: string[]): Promise<void> {
  prompts.intro('Buy a phone number');
  const number = await pickNumber(client, prompts);
  const addressId = await pickAddress(client, prompts, saved);
  const personId = await pickOwner(client, prompts, saved);
  const { results: destinations } = await collect(client.destinations.list(), true);
  const target = await prompts.select(
    'Where should its calls go?',
    destinations.map((d) => ({ value: d, label: `${d.route}${d.destination ? ` ${d.destination}` : ''}`, hint: d.description })),
  );
  const description = await prompts.text('Description, for your own records (Enter for none)', {
    placeholder: 'e.g. Reception',
    optional: true,
    validate: (value) => (value.length <= 255 ? undefined : 'At most 255 characters'),
  });
  const input: PurchaseInput = defined({
    did_number: number.did_number,
    address_id: addressId,
    person_id: personId,
    primary_route: target.route,
    primary_destination: target.destination ?? undefined,
    description: description || undefined,
  });

  let quote: PurchaseQuote | null = null;
  try {
    quote = await client.quote(input);
  } catch (error) {
    if (!(error instanceof UnsupportedError)) throw error;
  }
  const price = number.setup_cost + number.monthly_cost;
  prompts.note(
    [
      `Number:      ${national(number.did_number)} (${number.did_number})`,
      `Price:       ${dollars(number.setup_cost)} setup + ${dollars(number.monthly_cost)} first month = ${dollars(quote?.charged ?? price)}`,
      ...(quote ? [`Balance:     ${dollars(quote.balance)} → ${dollars(quote.balance_after)} after`] : []),
      `Route:       ${target.route}${target.destination ? ` ${target.destination}` : ''}`,
      ...(description ? [`Description: ${description}`] : []),
    ].join('\n'),
    'Your order',
  );
  if (!(await prompts.confirm(`Buy ${national(number.did_number)} for ${dollars(quote?.charged ?? price)}?`))) {
    throw new CancelledError('not confirmed');
  }
  const result = await client.purchase(input);
  prompts.outro(`Bought ${national(number.did_number)}. Order ${result.order_id ?? '(none given)'}`);
  if (io.json) emit(io, result, () => '');
}

async function pickNumber(client: BilbyClient, prompts: Prompts): Promise<AvailableNumber> {
  for (;;) {
    const type = await prompts.select('What kind of number?', TYPES);
    const located = type === 'any' || type === 'geographic';
    const state = located
      ? await prompts.select<(typeof STATES)[number] | undefined>('In which state?', [
          { value: undefined, label: 'Any state' },
          ...STATES.map((s) => ({ value: s, label: s })),
        ])
      : undefined;
    const city = located ? await pickCity(client, prompts, state) : undefined;
    const contains = await prompts.text('Digits or letters it should contain (Enter for any)', {
      placeholder: 'e.g. 9123 or PIZZA',
      optional: true,
      validate: (value) => (/^[0-9a-zA-Z]{1,10}$/.test(value) ? undefined : 'Up to 10 digits or letters'),
    });
    const filters: AvailableNumberFilters = defined({
      number_type: type === 'any' ? undefined : type,
      state,
      city,
      contains: contains || undefined,
      limit: 15,
    });
    const { results } = await collect(client.availableNumbers.list(filters), false);
    if (results.length === 0) {
      prompts.note('No available number matches; try other choices.', 'Nothing found');
      continue;
    }
    // The price is in every row's label: a hint shows only on the row under the cursor.
    const rows = results.map((n) => [national(n.did_number), [n.city, n.state].filter(Boolean).join(' ') || n.number_type] as const);
    const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
    const picked = await prompts.select<AvailableNumber | null>('Pick a number', [
      ...results.map((n, i) => ({
        value: n,
        label: `${rows[i]![0].padEnd(widths[0]!)}  ${rows[i]![1].padEnd(widths[1]!)}  ${dollars(n.setup_cost)} setup + ${dollars(n.monthly_cost)}/month`,
      })),
      { value: null, label: 'Search again' },
    ]);
    if (picked) return picked;
  }
}

/** A city with available numbers (in the state, if one was picked), or any. */
async function pickCity(client: BilbyClient, prompts: Prompts, state: string | undefined): Promise<string | undefined> {
  const cities = await client.cities.list(defined({ state }));
  if (cities.length === 0) return undefined;
  return prompts.select<string | undefined>('In which city?', [{ value: undefined, label: 'Any city' }, ...cities.map((c) => ({ value: c, label: c }))]);
}

async function pickAddress(client: BilbyClient, prompts: Prompts, saved: string[]): Promise<string> {
  const { results } = await collect(client.addresses.list(), true);
  const choice = await prompts.select<string>('Service address of the number (for the emergency services database)', [
    ...results.map((a) => ({
      value: a.id,
      label: [a.nickname, [a.street_number_first, a.street_name].filter(Boolean).join(' '), a.city, a.state, a.postcode].filter(Boolean).join(', '),
    })),
    { value: 'new', label: 'Add a new address' },
  ]);
  if (choice !== 'new') return choice;
  const streetNumber = await prompts.text('Street number', { optional: true });
  const streetName = await prompts.text('Street name');
  const city = await prompts.text('City or suburb');
  const state = await prompts.select('State', STATES.map((s) => ({ value: s, label: s })));
  const postcode = await prompts.text('Postcode', { validate: (v) => (/^\d{4}$/.test(v) ? undefined : 'Four digits') });
  const created = await client.addresses.create(
    defined({ street_number_first: streetNumber || undefined, street_name: streetName, city, state, postcode }),
  );
  const street = [streetNumber, streetName].filter(Boolean).join(' ');
  saved.push(`The address you added (${street}, ${city} ${state} ${postcode}) was saved: bilby buy offers it next time; bilby addresses remove ${created.id} deletes it.`);
  return created.id;
}

async function pickOwner(client: BilbyClient, prompts: Prompts, saved: string[]): Promise<string> {
  const { results } = await collect(client.owners.list(), true);
  const choice = await prompts.select<string>('Owner of the number (the customer on record)', [
    ...results.map((p) => ({ value: p.id, label: [p.title, p.name_2, p.name_1].filter(Boolean).join(' '), hint: p.person_type })),
    { value: 'new', label: 'Add a new owner' },
  ]);
  if (choice !== 'new') return choice;
  const personType = await prompts.select<PersonType>(
    'Kind of customer',
    PERSON_TYPES.map((value) => ({ value, label: PERSON_LABELS[value] })),
  );
  const surname = await prompts.text(personType === 'R' ? 'Surname' : 'Business name');
  const given = await prompts.text(personType === 'R' ? 'Given name' : 'Contact given name', { optional: personType !== 'R' });
  const created = await client.owners.create(defined({ name_1: surname, name_2: given || undefined, person_type: personType }));
  const name = [given, surname].filter(Boolean).join(' ');
  saved.push(`The owner you added (${name}) was saved: bilby buy offers them next time; bilby owners remove ${created.id} deletes them.`);
  return created.id;
}
