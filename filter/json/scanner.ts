// A validating JSON scanner over raw bytes in linear memory. It never reads outside [pos, end),
// never recurses deeper than MAX_DEPTH and allocates nothing, so hostile bodies cost at most one
// linear pass. Callers validate a whole document once with `value()` and then walk the parts they
// need with ObjectReader / ArrayReader, which may assume the bytes are well-formed.

export const MAX_DEPTH: i32 = 64;

const QUOTE: u32 = 0x22;
const BACKSLASH: u32 = 0x5c;

export class Scanner {
  pos: usize;
  end: usize;
  // Set by string(): whether the last string token contained a backslash escape.
  escaped: bool = false;

  constructor(pos: usize, end: usize) {
    this.pos = pos;
    this.end = end;
  }

  @inline peek(): i32 {
    return this.pos < this.end ? <i32>load<u8>(this.pos) : -1;
  }

  @inline eat(c: i32): bool {
    if (this.peek() != c) return false;
    this.pos++;
    return true;
  }

  skipSpace(): void {
    let p = this.pos;
    const end = this.end;
    while (p < end) {
      const c = load<u8>(p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      p++;
    }
    this.pos = p;
  }

  // One value of any type, at any depth up to MAX_DEPTH.
  value(depth: i32): bool {
    switch (this.peek()) {
      case 0x7b: return this.container(depth, 0x7d);
      case 0x5b: return this.container(depth, 0x5d);
      case 0x22: return this.string();
      case 0x74: return this.word("true");
      case 0x66: return this.word("false");
      case 0x6e: return this.word("null");
      default: return this.number();
    }
  }

  // Object or array; `close` tells which. Object members must be `"key": value`.
  private container(depth: i32, close: i32): bool {
    if (depth >= MAX_DEPTH) return false;
    this.pos++;
    this.skipSpace();
    if (this.eat(close)) return true;
    while (true) {
      if (close == 0x7d) {
        if (!this.string()) return false;
        this.skipSpace();
        if (!this.eat(0x3a)) return false;
        this.skipSpace();
      }
      if (!this.value(depth + 1)) return false;
      this.skipSpace();
      if (this.eat(close)) return true;
      if (!this.eat(0x2c)) return false;
      this.skipSpace();
    }
    return false;
  }

  // A string token including its quotes: escapes must be well-formed, control characters are
  // refused and non-ASCII bytes must be well-formed UTF-8 (no overlongs, no surrogates), so the
  // raw token can be copied into another JSON document as is.
  string(): bool {
    if (!this.eat(<i32>QUOTE)) return false;
    let p = this.pos;
    const end = this.end;
    this.escaped = false;
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (c == QUOTE) {
        this.pos = p + 1;
        return true;
      }
      if (c < 0x20) return false;
      if (c == BACKSLASH) {
        this.escaped = true;
        if (p + 1 >= end) return false;
        const e = <u32>load<u8>(p + 1);
        if (e == 0x75) {
          if (p + 6 > end) return false;
          for (let i: usize = 2; i < 6; i++) {
            if (hexValue(<u32>load<u8>(p + i)) < 0) return false;
          }
          p += 6;
        } else if (e == QUOTE || e == BACKSLASH || e == 0x2f || e == 0x62 || e == 0x66 ||
                   e == 0x6e || e == 0x72 || e == 0x74) {
          p += 2;
        } else {
          return false;
        }
      } else if (c < 0x80) {
        p++;
      } else {
        const n = utf8Length(p, end);
        if (n == 0) return false;
        p += n;
      }
    }
    return false;
  }

  private word(w: string): bool {
    const n = <usize>w.length;
    if (this.pos + n > this.end) return false;
    for (let i: usize = 0; i < n; i++) {
      if (<i32>load<u8>(this.pos + i) != w.charCodeAt(<i32>i)) return false;
    }
    this.pos += n;
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  private number(): bool {
    this.eat(0x2d);
    if (this.eat(0x30)) {
      // a leading zero stands alone
    } else if (!this.digits()) {
      return false;
    }
    if (this.eat(0x2e) && !this.digits()) return false;
    if (this.eat(0x65) || this.eat(0x45)) {
      if (!this.eat(0x2b)) this.eat(0x2d);
      if (!this.digits()) return false;
    }
    return true;
  }

  private digits(): bool {
    const start = this.pos;
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos > start;
  }
}

export function hexValue(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  return -1;
}

// Length of the well-formed UTF-8 sequence at p (2..4), or 0 when it is not one.
function utf8Length(p: usize, end: usize): usize {
  const c = <u32>load<u8>(p);
  let n: usize;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (p + n > end) return 0;
  const c1 = <u32>load<u8>(p + 1);
  if (c1 < lo || c1 > hi) return 0;
  for (let i: usize = 2; i < n; i++) {
    const ci = <u32>load<u8>(p + i);
    if (ci < 0x80 || ci > 0xbf) return 0;
  }
  return n;
}

// Whole-document check: exactly one value, surrounded only by whitespace.
export function validDocument(ptr: usize, len: usize): bool {
  const s = new Scanner(ptr, ptr + len);
  s.skipSpace();
  if (!s.value(0)) return false;
  s.skipSpace();
  return s.pos == s.end;
}
