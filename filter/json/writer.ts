// Growable byte buffer in unmanaged memory, so a finished document can be handed to the host
// (http call body, local reply, rewritten request body) without another copy. Owners call free().

export class ByteWriter {
  ptr: usize;
  len: usize = 0;
  private cap: usize;

  constructor(capacity: usize) {
    this.cap = capacity < 64 ? 64 : capacity;
    this.ptr = heap.alloc(this.cap);
  }

  free(): void {
    heap.free(this.ptr);
    this.ptr = 0;
    this.cap = 0;
    this.len = 0;
  }

  private reserve(n: usize): void {
    const need = this.len + n;
    if (need <= this.cap) return;
    let cap = this.cap << 1;
    if (cap < need) cap = need;
    this.ptr = heap.realloc(this.ptr, cap);
    this.cap = cap;
  }

  byte(c: u32): void {
    this.reserve(1);
    store<u8>(this.ptr + this.len, <u8>c);
    this.len++;
  }

  bytes(src: usize, n: usize): void {
    this.reserve(n);
    memory.copy(this.ptr + this.len, src, n);
    this.len += n;
  }

  // ASCII-only text such as JSON punctuation and key names.
  ascii(s: string): void {
    const n = <usize>s.length;
    this.reserve(n);
    for (let i: usize = 0; i < n; i++) store<u8>(this.ptr + this.len + i, <u8>s.charCodeAt(<i32>i));
    this.len += n;
  }

  utf8(s: string): void {
    const b = String.UTF8.encode(s);
    this.bytes(changetype<usize>(b), <usize>b.byteLength);
  }

  // A JSON string literal. Everything outside printable ASCII is written as \uXXXX per UTF-16 code
  // unit: always valid JSON, and it keeps even lone surrogates representable.
  jsonString(s: string): void {
    this.byte(0x22);
    for (let i = 0, n = s.length; i < n; i++) {
      const c = <u32>s.charCodeAt(i);
      if (c == 0x22 || c == 0x5c) {
        this.byte(0x5c);
        this.byte(c);
      } else if (c >= 0x20 && c < 0x7f) {
        this.byte(c);
      } else {
        this.ascii("\\u");
        this.hex4(c);
      }
    }
    this.byte(0x22);
  }

  private hex4(c: u32): void {
    for (let shift = 12; shift >= 0; shift -= 4) {
      const d = (c >> shift) & 0xf;
      this.byte(d < 10 ? 0x30 + d : 0x61 + d - 10);
    }
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, this.len);
  }
}
