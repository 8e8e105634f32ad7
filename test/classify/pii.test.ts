import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCountries } from '../../controlplane/classify/countries.ts';
import { findStructuredPii, findTitledNames, ibanValid, luhnValid, mergeEntities, mergeTitledNames } from '../../controlplane/classify/pii.ts';

const types = (t: string) => findStructuredPii(t).map((e) => [e.type, e.text]);

test('Luhn and IBAN checksums', () => {
  assert.ok(luhnValid('4111111111111111'));
  assert.ok(!luhnValid('4111111111111112'));
  assert.ok(ibanValid('DE89 3704 0044 0532 0130 00'));
  assert.ok(ibanValid('GB82WEST12345698765432'));
  assert.ok(!ibanValid('GB82WEST12345698765433'));
  assert.ok(!ibanValid('XX82WEST12345698765432'));
});

test('credit cards need a valid checksum', () => {
  assert.deepEqual(types('card 4111 1111 1111 1111 please'), [['CREDIT_CARD', '4111 1111 1111 1111']]);
  assert.deepEqual(types('card 4111 1111 1111 1112 please'), []);
});

test('twelve-digit Maestro numbers count after a card word, and only with a Maestro prefix and a valid checksum', () => {
  assert.deepEqual(types('My card 502046808825 is expiring'), [['CREDIT_CARD', '502046808825']]);
  assert.deepEqual(types('last 10 transactions of debit card no. 6763 5273 2934'), [['CREDIT_CARD', '6763 5273 2934']]);
  // The same digits without a card word are an order number; a Visa prefix has no twelve-digit cards.
  assert.deepEqual(types('order 502046808825 shipped'), []);
  assert.deepEqual(types('card 411111111117'), []);
  assert.deepEqual(types('card 502046808826'), []);
});

test('structured types with offsets into the text', () => {
  const text = 'Mail jane.doe@example.co.uk, call (415) 555-0134, SSN 123-45-6789, host 10.0.0.12, see https://example.com/x?y=1, on 2024-03-05.';
  const found = findStructuredPii(text);
  assert.deepEqual(found.map((e) => e.type), ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'US_SSN', 'IP_ADDRESS', 'URL', 'DATE_TIME']);
  for (const e of found) assert.equal(text.slice(e.start, e.end), e.text);
});

test('validators reject lookalikes', () => {
  assert.deepEqual(types('SSN 000-12-3456, ip 999.1.1.1, version 1.2.3, ratio 45/78/2020'), []);
});

test('structured entities win over overlapping learned ones', () => {
  const s = [{ type: 'EMAIL_ADDRESS', start: 0, end: 10, text: 'a@b.cd', score: 1 }];
  const l = [{ type: 'PERSON', start: 0, end: 3, text: 'a', score: 0.9 }, { type: 'PERSON', start: 12, end: 15, text: 'Bob', score: 0.9 }];
  assert.deepEqual(mergeEntities(s, l).map((e) => e.type), ['EMAIL_ADDRESS', 'PERSON']);
});

test('phone numbers: international shapes with a phone word, North American shape alone', () => {
  const phone = (t: string) => findStructuredPii(t).filter((e) => e.type === 'PHONE_NUMBER').map((e) => e.text);
  assert.deepEqual(phone('Call me on 84 23 30 tonight.'), ['84 23 30']);
  assert.deepEqual(phone('my mobile: 0491 570 156'), ['0491 570 156']);
  assert.deepEqual(phone('Reach the office at +44 20 7946 0958 or (08063) 60837.'), ['+44 20 7946 0958', '(08063) 60837']);
  assert.deepEqual(phone('Tel. 03674/45290784, ext 12'), ['03674/45290784']);
  assert.deepEqual(phone('Support: 415-555-0134 x204'), ['415-555-0134 x204']);
  assert.deepEqual(phone('He scored 84 23 30 in three rounds; 123 4567 is a lot.'), []);
  assert.deepEqual(phone('call 123'), []);
  // A list of numbers split by commas, as an address block writes them; a thousands comma is no start.
  assert.deepEqual(phone('026 505 59 18-Office,026 505 59 18-Fax'), ['026 505 59 18', '026 505 59 18']);
  assert.deepEqual(phone('phone total: 4,560 120 33'), []);
});

test('dates, times of day and links', () => {
  assert.deepEqual(types('Born 4/15/1960, moved in March 2021; call at 14:30 or 3 pm.'),
    [['DATE_TIME', '4/15/1960'], ['DATE_TIME', 'March 2021'], ['DATE_TIME', '14:30'], ['DATE_TIME', '3 pm']]);
  // A bare h:mm is a ratio or a verse as often as a time.
  assert.deepEqual(types('John 3:16 and a 2:30 ratio'), []);
  assert.deepEqual(types('See https://example.com/a?b=1, shop.example.co.uk/cart or miller.biz.'),
    [['URL', 'https://example.com/a?b=1'], ['URL', 'shop.example.co.uk/cart'], ['URL', 'miller.biz']]);
  assert.deepEqual(types('Edit config.yaml and restart Node.js'), []);
  assert.deepEqual(types('write to jane@miller.biz'), [['EMAIL_ADDRESS', 'jane@miller.biz']]);
});

test('IBAN with a valid checksum only, spaces allowed', () => {
  assert.deepEqual(types('Pay to DE89 3704 0044 0532 0130 00 today'), [['IBAN_CODE', 'DE89 3704 0044 0532 0130 00']]);
  assert.deepEqual(types('Pay to GB82 WEST 1234 5698 7654 33 today'), []);
  assert.deepEqual(types('Pay to GB82 WEST 1234 5698 7654 32 today'), [['IBAN_CODE', 'GB82 WEST 1234 5698 7654 32']]);
});

test('country names are LOCATION where nothing else covers them, written as names or in capitals', () => {
  const text = 'Ship it to Padborg, Denmark; invoices go to the UNITED KINGDOM office. He brought china from Turkey, Jordan said.';
  const found = addCountries([{ type: 'LOCATION', start: 11, end: 18, text: 'Padborg', score: 0.9 }], text);
  assert.deepEqual(found.map((e) => [e.type, e.text]), [['LOCATION', 'Padborg'], ['LOCATION', 'Denmark'], ['LOCATION', 'UNITED KINGDOM'], ['LOCATION', 'Turkey']]);
  // Longest name wins; a name inside a longer word is not one.
  assert.deepEqual(addCountries([], 'United States of America, Spaniards, Denmarks').map((e) => e.text), ['United States of America']);
  // An entity already covering the name stays; a PERSON that is exactly a country becomes LOCATION.
  const covered = [{ type: 'LOCATION', start: 0, end: 12, text: 'Denmark 6330', score: 0.8 }];
  assert.deepEqual(addCountries(covered, 'Denmark 6330'), covered);
  assert.deepEqual(addCountries([{ type: 'PERSON', start: 3, end: 9, text: 'Brazil', score: 0.7 }], 'In Brazil they sing').map((e) => [e.type, e.text]), [['LOCATION', 'Brazil']]);
  assert.deepEqual(addCountries([{ type: 'PERSON', start: 0, end: 11, text: 'Georgia Lee', score: 0.7 }], 'Georgia Lee').map((e) => e.type), ['PERSON']);
});

test('a name after a title is a PERSON: up to four name words and the particles between them', () => {
  const names = (t: string) => findTitledNames(t).map((e) => [e.text, t.slice(e.start, e.end), e.type]);
  assert.deepEqual(names('Ms. Stefania Trevisani Suite 453 Slovenčeva 62'), [['Stefania Trevisani', 'Stefania Trevisani', 'PERSON']]);
  assert.deepEqual(names('directed by Dr. Louelle van den Brandhof, 1956'), [['Louelle van den Brandhof', 'Louelle van den Brandhof', 'PERSON']]);
  assert.deepEqual(names('Mr Smith and Mrs. Jones met Prof. Ada Lovelace.').map((n) => n[0]), ['Smith', 'Jones', 'Ada Lovelace']);
  // Drive, not doctor; a pronoun or a lower-case word is no name; Miss and Sir are words as often as titles.
  assert.deepEqual(names('12 Main Dr. Springfield, IL'), []);
  assert.deepEqual(names('Ask Dr. Smith about it').map((n) => n[0]), ['Smith']);
  assert.deepEqual(names('Dr. I need help, Ms. the list'), []);
  assert.deepEqual(names('Things I Miss About Home. Yes Sir, Thanks'), []);
});

test('a learned span over a titled name keeps only what follows the name', () => {
  const text = 'Ms. Ljudevit Babić Suite 470 2017 Wolmarans St';
  const titled = findTitledNames(text);
  const place = { type: 'LOCATION', start: 4, end: 28, text: text.slice(4, 28), score: 0.8 };
  const elsewhere = { type: 'LOCATION', start: 34, end: 46, text: text.slice(34, 46), score: 0.8 };
  assert.deepEqual(mergeTitledNames(titled, [place, elsewhere], text).map((e) => [e.type, e.text]),
    [['PERSON', 'Ljudevit Babić'], ['LOCATION', 'Suite 470'], ['LOCATION', 'Wolmarans St']]);
  // A learned span that is only the name goes.
  assert.deepEqual(mergeTitledNames(titled, [{ type: 'LOCATION', start: 4, end: 18, text: 'Ljudevit Babić', score: 0.8 }], text).map((e) => e.type), ['PERSON']);
});
