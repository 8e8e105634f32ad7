import { ByteWriter } from "../json/writer";

// Server-sent events (the WHATWG event-stream format) out of body chunks that split them anywhere:
// bytes are appended as they arrive and complete events are handed out one at a time, each with its
// blank-line terminator. What is left is the start of an event whose end has not arrived yet.

export class EventSplitter {
  private buf: ByteWriter = new ByteWriter(1024);
  // Bytes of `buf` already handed out.
  private taken: usize = 0;
  // The last complete event: [eventStart, eventEnd) with its terminator, in `buf`.
  eventStart: usize = 0;
  eventEnd: usize = 0;

  push(ptr: usize, len: usize): void {
    // Handed-out bytes are dropped before growing, so the buffer holds at most one partial event.
    if (this.taken > 0) {
      const rest = this.buf.len - this.taken;
      memory.copy(this.buf.ptr, this.buf.ptr + this.taken, rest);
      this.buf.len = rest;
      this.taken = 0;
    }
    this.buf.bytes(ptr, len);
  }

  // The next complete event, if one has arrived.
  next(): bool {
    const base = this.buf.ptr;
    const n = this.buf.len;
    for (let i = this.taken; i + 1 < n; i++) {
      if (load<u8>(base + i) != 0x0a) continue;
      // A blank line ends the event: "\n\n", or "\n\r\n" when lines end in CRLF.
      let end: usize = 0;
      if (load<u8>(base + i + 1) == 0x0a) end = i + 2;
      else if (load<u8>(base + i + 1) == 0x0d && i + 2 < n && load<u8>(base + i + 2) == 0x0a) end = i + 3;
      if (end == 0) continue;
      this.eventStart = base + this.taken;
      this.eventEnd = base + end;
      this.taken = end;
      return true;
    }
    return false;
  }

  // Bytes received but not handed out as an event.
  pending(): usize {
    return this.buf.len - this.taken;
  }

  pendingStart(): usize {
    return this.buf.ptr + this.taken;
  }

  // Forgets the partial event (after it was passed on as it is).
  dropPending(): void {
    this.buf.len = 0;
    this.taken = 0;
  }

  free(): void {
    this.buf.free();
  }
}

// The data of one event: its `data:` lines' values joined by "\n" (one space after the colon is
// not part of the value). Written into `out`, which is cleared first; false when there is none.
export function eventData(start: usize, end: usize, out: ByteWriter): bool {
  out.len = 0;
  let lines = 0;
  let p = start;
  while (p < end) {
    let e = p;
    while (e < end && load<u8>(e) != 0x0a) e++;
    let lineEnd = e;
    if (lineEnd > p && load<u8>(lineEnd - 1) == 0x0d) lineEnd--;
    if (lineEnd - p >= 5 && load<u8>(p) == 0x64 && load<u8>(p + 1) == 0x61 && load<u8>(p + 2) == 0x74 && load<u8>(p + 3) == 0x61 && load<u8>(p + 4) == 0x3a) {
      let v = p + 5;
      if (v < lineEnd && load<u8>(v) == 0x20) v++;
      if (lines++ > 0) out.byte(0x0a);
      out.bytes(v, lineEnd - v);
    }
    p = e + 1;
  }
  return lines > 0;
}
