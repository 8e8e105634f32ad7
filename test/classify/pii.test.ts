import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findStructuredPii, ibanValid, luhnValid, mergeEntities } from '../../controlplane/classify/pii.ts';

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
