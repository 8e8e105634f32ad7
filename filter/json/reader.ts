import { Scanner, hexValue } from "./scanner";
import { ByteWriter } from "./writer";

// Readers over a document already accepted by validDocument(): they only find token boundaries.
// Spans are absolute addresses; string spans include their quotes.

export class ObjectReader {
  private s: Scanner;
  keyStart: usize = 0;
  keyEnd: usize = 0;
  keyEscaped: bool = false;
  valueStart: usize = 0;
  valueEnd: usize = 0;
  valueEscaped: bool = false;

  // `start` is the address of the opening brace, `end` the end of the document.
  constructor(start: usize, end: usize) {
    this.s = new Scanner(start + 1, end);
  }

  next(): bool {
    const s = this.s;
    s.skipSpace();
    s.eat(0x2c);
    s.skipSpace();
    if (s.peek() != 0x22) return false;
    this.keyStart = s.pos;
    if (!s.string()) return false;
    this.keyEnd = s.pos;
    this.keyEscaped = s.escaped;
    s.skipSpace();
    s.eat(0x3a);
    s.skipSpace();
    this.valueStart = s.pos;
    if (!s.value(0)) return false;
    this.valueEnd = s.pos;
    this.valueEscaped = s.escaped;
    return true;
  }

  keyIs(name: string): bool {
    return stringIs(this.keyStart, this.keyEnd, this.keyEscaped, name);
  }

  // Whether the value is a string equal to `name`.
  valueIs(name: string): bool {
    return stringIs(this.valueStart, this.valueEnd, this.valueEscaped, name);
  }
}

export class ArrayReader {
  private s: Scanner;
  valueStart: usize = 0;
  valueEnd: usize = 0;

  constructor(start: usize, end: usize) {
    this.s = new Scanner(start + 1, end);
  }

  next(): bool {
    const s = this.s;
    s.skipSpace();
    s.eat(0x2c);
    s.skipSpace();
    const c = s.peek();
    if (c == 0x5d || c < 0) return false;
    this.valueStart = s.pos;
    if (!s.value(0)) return false;
    this.valueEnd = s.pos;
    return true;
  }
}

@inline export function firstByte(start: usize): u32 {
  return <u32>load<u8>(start);
}

export function isString(start: usize, end: usize): bool {
  return end > start && firstByte(start) == 0x22;
}

// Whether a string token equals `name`; escaped tokens are decoded first so that "mod\u0065l"
// means "model" here exactly as it does to the upstream's parser.
export function stringIs(start: usize, end: usize, escaped: bool, name: string): bool {
  if (!isString(start, end)) return false;
  if (escaped || !isAscii(name)) return decodeString(start, end) == name;
  const n = end - start - 2;
  if (n != <usize>name.length) return false;
  for (let i: usize = 0; i < n; i++) {
    if (<i32>load<u8>(start + 1 + i) != name.charCodeAt(<i32>i)) return false;
  }
  return true;
}

// Value of a string token. Linear in the token length whatever the number of escapes.
export function decodeString(start: usize, end: usize): string {
  const out = new ByteWriter(end - start);
  let p = start + 1;
  const q = end - 1;
  while (p < q) {
    const c = <u32>load<u8>(p);
    if (c != 0x5c) {
      out.byte(c);
      p++;
      continue;
    }
    const e = <u32>load<u8>(p + 1);
    p += 2;
    if (e == 0x75) {
      let cp = hex4(p);
      p += 4;
      if (cp >= 0xd800 && cp <= 0xdbff && p + 6 <= q && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) {
        const lo = hex4(p + 2);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
      utf8CodePoint(out, cp);
    } else {
      out.byte(e == 0x62 ? 0x08 : e == 0x66 ? 0x0c : e == 0x6e ? 0x0a : e == 0x72 ? 0x0d : e == 0x74 ? 0x09 : e);
    }
  }
  const s = out.toString();
  out.free();
  return s;
}

function isAscii(s: string): bool {
  for (let i = 0, n = s.length; i < n; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function hex4(p: usize): u32 {
  let v: u32 = 0;
  for (let i: usize = 0; i < 4; i++) v = (v << 4) | <u32>hexValue(<u32>load<u8>(p + i));
  return v;
}

function utf8CodePoint(out: ByteWriter, cp: u32): void {
  if (cp < 0x80) {
    out.byte(cp);
  } else if (cp < 0x800) {
    out.byte(0xc0 | (cp >> 6));
    out.byte(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out.byte(0xe0 | (cp >> 12));
    out.byte(0x80 | ((cp >> 6) & 0x3f));
    out.byte(0x80 | (cp & 0x3f));
  } else {
    out.byte(0xf0 | (cp >> 18));
    out.byte(0x80 | ((cp >> 12) & 0x3f));
    out.byte(0x80 | ((cp >> 6) & 0x3f));
    out.byte(0x80 | (cp & 0x3f));
  }
}

// A non-negative integer token without sign, fraction or exponent, up to `max`; -1 otherwise.
export function plainInteger(start: usize, end: usize, max: i64): i64 {
  if (end <= start || end - start > 10) return -1;
  if (load<u8>(start) == 0x30 && end - start > 1) return -1;
  let v: i64 = 0;
  for (let p = start; p < end; p++) {
    const c = <i64>load<u8>(p);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v <= max ? v : -1;
}
