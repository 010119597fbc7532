import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_KEY_PREFIX, generateApiKey, hasPlausibleChecksum } from '../server/src/domain/api-key.js';
import { dollarsToCents } from '../server/src/domain/money.js';
import { e164Prefix, fragmentDigits, prefixUpperBound } from '../server/src/domain/number-pattern.js';
import { australianDigits, parseNumber, parseNumberFully } from '../server/src/domain/phone-number.js';
import { demoInventory } from '../server/src/services/demo-inventory.js';

describe('phone numbers', () => {
  it('normalises every accepted form to E.164 digits with its type', () => {
    const cases: Array<[string, string, string, string | null]> = [
      ['61291234567', '61291234567', 'geographic', '02'],
      ['+61 2 9123 4567', '61291234567', 'geographic', '02'],
      ['(02) 9123-4567', '61291234567', 'geographic', '02'],
      ['03.9123.4567', '61391234567', 'geographic', '03'],
      ['0412 345 678', '61412345678', 'mobile', null],
      ['+61400000000', '61400000000', 'mobile', null],
      ['1800 123 456', '611800123456', 'tollfree', null],
      ['1300123456', '611300123456', 'local_rate', null],
      ['13 12 34', '61131234', 'local_rate', null],
      ['+64 21 123 4567', '64211234567', 'mobile', null],
      ['6493001234', '6493001234', 'geographic', '09'],
    ];
    for (const [input, e164, type, area] of cases) {
      const parsed = parseNumber(input);
      assert.ok(parsed, input);
      assert.deepEqual([parsed.e164, parsed.numberType, parsed.areaCode], [e164, type, area], input);
    }
  });

  it('rejects what is not a sellable Australian or New Zealand number', () => {
    for (const input of ['', '12345', 'abc', '0812345678', '+14155550123', '0551234567', '02 9123 456', '+61+291234567', '😀']) {
      assert.equal(parseNumber(input), null, input);
    }
  });

  it('reads Australian numbers\' exact forms quickly, to the digits libphonenumber gives every valid one', () => {
    assert.equal(australianDigits('(02) 9123-4567'), '61291234567');
    assert.equal(australianDigits('+61 412 345 678'), '61412345678');
    assert.equal(australianDigits('13 12 34'), '61131234');
    for (const other of ['+64 21 123 4567', '6493001234', '12345', 'abc', '+61+291234567', '+610291234567']) assert.equal(australianDigits(other), null, other);
    let random = 7;
    const digit = () => ((random = (random * 48271) % 2147483647) % 10).toString();
    const forms = [() => `0${digit()}`, () => '61', () => '+61', () => '1300', () => '1800', () => '13'];
    let agreed = 0;
    for (let i = 0; i < 20_000; i++) {
      const head = forms[i % forms.length]!();
      const input = head + Array.from({ length: 12 - head.length - (i % 3) }, digit).join('');
      const parsed = parseNumberFully(input);
      if (!parsed || parsed.country !== 'AU') continue;
      const quick = australianDigits(input);
      if (quick === null) continue;
      assert.equal(quick, parsed.e164, input);
      agreed++;
    }
    assert.ok(agreed > 1_000, `${agreed} valid numbers read quickly`);
  });

  it('answers as libphonenumber does for every number, valid or not, in every form', () => {
    let random = 11;
    const next = (below: number) => (random = (random * 48271) % 2147483647) % below;
    const digits = (count: number) => Array.from({ length: count }, () => String(next(10))).join('');
    // Mostly real ranges, so that many are valid, and some of every other shape.
    const nationals = [
      () => `${'2378'[next(4)]}${digits(8)}`,
      () => `4${digits(8)}`,
      () => `1800${digits(6)}`,
      () => `1300${digits(6)}`,
      () => `13${digits(4)}`,
      () => `${next(10)}${digits(7 + next(4))}`,
    ];
    const forms = [
      (national: string) => `+61${national}`,
      (national: string) => `61${national}`,
      (national: string) => (national.startsWith('1') ? national : `0${national}`),
      (national: string) => `+61 ${national.slice(0, 1)} ${national.slice(1, 5)}-${national.slice(5)}`,
      (national: string) => `(0${national.slice(0, 1)}) ${national.slice(1)}`,
      (national: string) => `+64${national}`,
    ];
    let valid = 0;
    for (let i = 0; i < 50_000; i++) {
      const input = forms[next(forms.length)]!(nationals[next(nationals.length)]!());
      const expected = parseNumberFully(input);
      assert.deepEqual(parseNumber(input), expected, input);
      if (expected?.country === 'AU' && australianDigits(input) !== null) valid++;
    }
    assert.ok(valid > 10_000, `${valid} valid Australian numbers in exact forms`);
  });

  it('turns prefixes in any form and vanity letters into digits', () => {
    assert.equal(e164Prefix('02', 'AU'), '612');
    assert.equal(e164Prefix('+612', 'AU'), '612');
    assert.equal(e164Prefix('612', 'AU'), '612');
    assert.equal(e164Prefix('1300', 'AU'), '611300');
    assert.equal(e164Prefix('09', 'NZ'), '649');
    assert.equal(e164Prefix('abc', 'AU'), null);
    assert.equal(prefixUpperBound('612'), '613');
    assert.equal(prefixUpperBound('6199'), '62');
    assert.equal(prefixUpperBound('99'), null);
    assert.equal(fragmentDigits('FLOWERS'), '3569377');
    assert.equal(fragmentDigits('1-800-CALL'), '18002255');
    assert.equal(fragmentDigits('50%'), null);
  });
});

describe('money and keys', () => {
  it('converts dollars with at most two decimals to cents', () => {
    assert.equal(dollarsToCents(12.34), 1234);
    assert.equal(dollarsToCents(0.1 + 0.2), 30);
    assert.equal(dollarsToCents(1.005), null);
    assert.equal(dollarsToCents(Infinity), null);
  });

  it('generates prefixed keys whose checksum catches a changed character', () => {
    const key = generateApiKey();
    assert.ok(key.startsWith(API_KEY_PREFIX));
    assert.ok(hasPlausibleChecksum(key));
    const typo = key.slice(0, 15) + (key[15] === 'a' ? 'b' : 'a') + key.slice(16);
    assert.equal(hasPlausibleChecksum(typo), false);
    assert.ok(hasPlausibleChecksum('any-key-set-from-outside-000'), 'keys without the prefix are looked up as they are');
    assert.notEqual(generateApiKey(), key);
  });
});

describe('demo inventory', () => {
  it('is deterministic, valid and covers every state and type', () => {
    const rows = demoInventory('2026-01-01T00:00:00.000Z');
    assert.ok(rows.length >= 20_000);
    assert.deepEqual(rows.slice(0, 50), demoInventory('2026-01-01T00:00:00.000Z').slice(0, 50));
    for (const row of rows) assert.equal(parseNumber(row.did_number)?.e164, row.did_number);
    assert.ok(rows.some((r) => r.did_number === '61400000000'));
  });
});
