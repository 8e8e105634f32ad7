// Structured PII: candidates found by pattern, then confirmed by a validator where the format has
// one (Luhn, IBAN mod-97, octet ranges, SSN area rules), which is what keeps false positives low.
// Type names follow Presidio so downstream policy can share vocabulary with it.

export interface PiiEntity {
  type: string;
  /** [start, end) in UTF-16 code units of the classified text. */
  start: number;
  end: number;
  text: string;
  score: number;
}

interface Recognizer {
  type: string;
  pattern: RegExp;
  score: number;
  /** Gets the match and where it sits, for validators that read the surrounding words. */
  validate?: (match: string, text: string, start: number) => boolean;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24,
  FI: 18, FR: 27, GB: 22, GR: 27, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, KW: 30, KZ: 20, LI: 21, LT: 20,
  LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, QA: 29, RO: 24, SA: 24, SE: 24, SI: 19, SK: 24,
  SM: 27, TR: 26,
};

export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/[\s-]/g, '').toUpperCase();
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (len === undefined || iban.length !== len) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  // mod 97 over the digit expansion, folded chunk-wise to stay inside double precision.
  let rem = 0;
  for (const ch of moved) {
    const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    rem = Number(`${rem}${v}`) % 97;
  }
  return rem === 1;
}

function ssnValid(s: string): boolean {
  const d = s.replace(/\D/g, '');
  const area = Number(d.slice(0, 3));
  // Numbers the SSA never issues: area 000, 666, 900-999; group 00; serial 0000.
  return area !== 0 && area !== 666 && area < 900 && d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
}

function ipValid(s: string): boolean {
  if (s.includes(':')) return s.split(':').length >= 3;
  return s.split('.').every((o) => Number(o) <= 255 && (o === '0' || !o.startsWith('0')));
}

function dateValid(s: string): boolean {
  const nums = s.match(/\d+/g)?.map(Number) ?? [];
  // Reject numeric triples that cannot be a calendar date (e.g. version strings 1.2.3 are not matched, 45/78/2020 fails here).
  const hasYear = nums.some((n) => n >= 1000 && n <= 2999);
  const small = nums.filter((n) => n < 1000);
  return hasYear ? small.every((n) => n >= 1 && n <= 31) : /[a-z]/i.test(s);
}

// Words that announce a phone number, in the text just before it or just after it.
const PHONE_CONTEXT_BEFORE = /\b(?:phone|tel|telephone|mobile|cell|cellphone|call|calling|called|ring|fax|number|no\.|nr|reach|reached|text|texts|texting|sms|messages?|whatsapp|contact|dial|hotline|landline|extension|ext|answering|registered)\b[^\d\n]{0,24}$/i;
const PHONE_CONTEXT_AFTER = /^[^\d\n]{0,16}\b(?:phone|mobile|cell|number|landline|office|fax|home|work)\b/i;

/**
 * Phone numbers have no checksum and national formats differ, so a digit-group sequence counts
 * only with evidence: an international prefix or area-code parentheses, the North American
 * 3-3-4 shape, or a phone word next to it ("call me on 84 23 30"; six digits are a whole number in
 * some small countries).
 */
function phoneValid(m: string, text: string, start: number): boolean {
  const core = m.replace(/ ?(?:x|ext\.?) ?\d+$/, '');
  const digits = core.replace(/\D/g, '').length;
  if (digits < 6 || digits > 15) return false;
  if (/^\+/.test(m) || /^\(\d{2,5}\)/.test(m)) return digits >= 8;
  if (/^\d{3}([ .-])\d{3}\1\d{4}$/.test(core)) return true;
  return PHONE_CONTEXT_BEFORE.test(text.slice(Math.max(0, start - 40), start)) || PHONE_CONTEXT_AFTER.test(text.slice(start + m.length, start + m.length + 30));
}

// Twelve-digit card numbers are Maestro's (issuer prefixes 50 and 56 to 69); twelve digits that pass
// Luhn are one number in ten, so those count only with a card word just before them.
const CARD_CONTEXT_BEFORE = /\b(?:card|cards|maestro|debit|credit)\b[^\d\n]{0,16}$/i;

function cardValid(m: string, text: string, start: number): boolean {
  const d = m.replace(/\D/g, '');
  if (!luhnValid(d)) return false;
  if (d.length >= 13 && d.length <= 19) return true;
  return d.length === 12 && /^(?:50|5[6-9]|6\d)/.test(d) && CARD_CONTEXT_BEFORE.test(text.slice(Math.max(0, start - 30), start));
}

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

const RECOGNIZERS: Recognizer[] = [
  { type: 'EMAIL_ADDRESS', score: 1, pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b/g },
  { type: 'URL', score: 0.9, pattern: /\b(?:https?:\/\/|www\.)[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/gi },
  // Bare host names only with a common top-level domain: "config.yaml" or "Node.js" are file and
  // product names, "shop.example.com/cart" is a link.
  { type: 'URL', score: 0.7, pattern: /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|edu|gov|io|co|biz|info|app|dev|ai|me|eu|uk|de|fr|nl|us|ca|au)\b(?:\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]])?/gi },
  { type: 'CREDIT_CARD', score: 1, pattern: /\b(?:\d[ -]?){11,18}\d\b/g, validate: cardValid },
  { type: 'IBAN_CODE', score: 1, pattern: /\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b/g, validate: ibanValid },
  { type: 'US_SSN', score: 0.85, pattern: /\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b/g, validate: ssnValid },
  { type: 'IP_ADDRESS', score: 0.95, pattern: /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})?\b/gi, validate: ipValid },
  { type: 'DATE_TIME', score: 0.85, pattern: new RegExp(
    String.raw`\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|${MONTH}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2}(?:st|nd|rd|th)? ${MONTH}\.?,? \d{4}|${MONTH} \d{4})\b`, 'gi'), validate: dateValid },
  // Times of day: with am/pm, or hh:mm after a word that introduces a time (a bare 3:16 is as often
  // a ratio or a verse).
  { type: 'DATE_TIME', score: 0.7, pattern: /\b(?:(?:1[0-2]|0?[1-9])(?::[0-5]\d)? ?(?:[ap]m\b|[ap]\.m\.)|(?<=\b(?:at|by|from|until|till|before|after|to|around) )(?:[01]?\d|2[0-3]):[0-5]\d\b)/gi },
  // After dates, so that 12.03.2020 stays a date. Groups of digits split by one space, dot or dash,
  // optionally led by +country code and an (area code). A comma before one is a list's
  // ("Office,026 505 59 18-Fax") unless a digit precedes it ("3,456").
  { type: 'PHONE_NUMBER', score: 0.75, validate: phoneValid,
    pattern: /(?<![\w+./-]|\d,|\d[ ./-])(?:\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}(?:[ ./-]\d{2,8}){0,4}(?: ?(?:x|ext\.?) ?\d{1,5})?(?![\w]|[.,/-]\d|[ .-]\d)/g },
];

/** Pattern-and-validator entities, overlapping matches resolved in favour of the earlier recognizer. */
export function findStructuredPii(text: string): PiiEntity[] {
  const found: PiiEntity[] = [];
  for (const r of RECOGNIZERS) {
    for (const m of text.matchAll(r.pattern)) {
      const start = m.index!;
      const end = start + m[0].length;
      if (r.validate && !r.validate(m[0], text, start)) continue;
      if (found.some((e) => overlaps(e, { start, end }))) continue;
      found.push({ type: r.type, start, end, text: m[0], score: r.score });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

// A name after a title ("Ms. Stefania Trevisani", "Dr. Hanson") is a person's, whatever the tagger
// reads it as: unfamiliar names were tagged as places, or not at all. "Dr" is also Drive, so after
// a house number and a street's name ("12 Main Dr. Springfield") it is not a title.
const TITLE = /(?<![\p{L}\d.])(Mr|Mrs|Ms|Mx|Dr|Prof|Mme|Mlle|Herr|Frau)\.?[ \t]+/gu;
const NAME_WORD = /^\p{Lu}[\p{L}'’-]+$/u;
const NAME_PARTICLE = new Set(['van', 'von', 'de', 'der', 'den', 'da', 'di', 'du', 'del', 'della', 'la', 'le', 'bin', 'ibn', 'al']);
// Words that end a name and begin an address or a sentence part.
const NOT_IN_NAME = new Set(['Suite', 'Apt', 'Apartment', 'Unit', 'Floor', 'Street', 'Road', 'Avenue', 'And', 'The', 'Is', 'Was', 'Has', 'Will']);
const WORD_AFTER = /[ \t]*([\p{L}'’-]+)/uy;

/** PERSON spans of the up to four name words (and the particles between them) after a title. */
export function findTitledNames(text: string): PiiEntity[] {
  const out: PiiEntity[] = [];
  for (const m of text.matchAll(TITLE)) {
    if (m[1] === 'Dr' && /\d+[ \t]+(?:\p{Lu}\p{L}*[ \t]+){0,3}$/u.test(text.slice(Math.max(0, m.index! - 40), m.index!))) continue;
    const start = m.index! + m[0].length;
    let end = start;
    WORD_AFTER.lastIndex = start;
    for (let names = 0, w = WORD_AFTER.exec(text); w !== null && names < 4; w = WORD_AFTER.exec(text)) {
      const word = w[1];
      if (NAME_WORD.test(word) && !NOT_IN_NAME.has(word)) {
        end = WORD_AFTER.lastIndex;
        names++;
      } else if (!(names > 0 && NAME_PARTICLE.has(word))) {
        break;
      }
    }
    if (end > start) out.push({ type: 'PERSON', start, end, text: text.slice(start, end), score: 0.8 });
  }
  return out;
}

/**
 * Titled names merged into learned spans: a learned span that covers a titled name loses that
 * part, and keeps what follows it ("Ms. Ljudevit Babić Suite 470" tagged as one place leaves the
 * place "Suite 470").
 */
export function mergeTitledNames(titled: PiiEntity[], learned: PiiEntity[], text: string): PiiEntity[] {
  const out = [...titled];
  for (const e of learned) {
    const t = titled.find((n) => overlaps(n, e));
    if (!t) { out.push(e); continue; }
    let start = t.end;
    while (start < e.end && !/[\p{L}\p{N}]/u.test(text[start])) start++;
    if (start < e.end) out.push({ ...e, start, text: text.slice(start, e.end) });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Whether two [start, end) spans share a code unit. */
export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Merges learned (PERSON/LOCATION) spans into structured ones; structured entities win on overlap. */
export function mergeEntities(structured: PiiEntity[], learned: PiiEntity[]): PiiEntity[] {
  const out = [...structured];
  for (const e of learned) if (!structured.some((s) => overlaps(s, e))) out.push(e);
  return out.sort((a, b) => a.start - b.start);
}
