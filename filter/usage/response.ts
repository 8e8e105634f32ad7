import { BufferType } from "../abi/types";
import { readBuffer, replaceBuffer } from "../sdk/buffers";
import { TokenUsage, UsageRead, readUsage } from "../json/usage";
import { ByteWriter } from "../json/writer";
import { EventSplitter, eventData } from "./sse";

// Reads the token usage of one routed response as it passes (docs/filter.md#token-usage). JSON
// bodies are copied aside up to a limit and read at the end; event streams are read event by
// event. Nothing is held back or changed, except when the filter itself asked an OpenAI stream
// for its usage chunk: then complete events are passed on and that chunk is taken out.

namespace Kind {
  export const None = 0;
  export const Json = 1;
  export const Events = 2;
}

export class ResponseUsage {
  usage: TokenUsage = new TokenUsage();
  // Set when the body could have carried usage but could not be read: compressed, or larger than
  // the limit. The rest of the body then passes untouched.
  unreadable: bool = false;
  private kind: i32 = Kind.None;
  private json: ByteWriter | null = null;
  private events: EventSplitter | null = null;
  private data: ByteWriter | null = null;

  constructor(private strip: bool, private maxBytes: usize) {}

  // Decides from the response headers whether the body is read: a 200 JSON or event stream body
  // without content encoding. Returns false when there is nothing to read.
  start(status: string | null, contentType: string | null, contentEncoding: string | null): bool {
    if (status != "200" || contentType === null) return false;
    const ct = contentType.toLowerCase();
    const json = ct.startsWith("application/json");
    if (!json && !ct.startsWith("text/event-stream")) return false;
    if (contentEncoding !== null && contentEncoding.toLowerCase() != "identity") {
      this.unreadable = true;
      return false;
    }
    if (json) {
      this.kind = Kind.Json;
      this.json = new ByteWriter(4096);
    } else {
      this.kind = Kind.Events;
      this.events = new EventSplitter();
      this.data = new ByteWriter(1024);
    }
    return true;
  }

  onBody(size: usize, endOfStream: bool): void {
    if (this.kind == Kind.None) return;
    const chunk = readBuffer(BufferType.HttpResponseBody, size);
    if (this.kind == Kind.Json) {
      const json = changetype<ByteWriter>(this.json);
      if (json.len + chunk.len > this.maxBytes) {
        this.giveUp();
      } else {
        json.bytes(chunk.ptr, chunk.len);
        if (endOfStream) readUsage(json.ptr, json.len, this.usage);
      }
    } else {
      this.onEvents(chunk.ptr, chunk.len, size, endOfStream);
    }
    chunk.free();
    if (endOfStream) this.release();
  }

  private onEvents(ptr: usize, len: usize, size: usize, endOfStream: bool): void {
    const events = changetype<EventSplitter>(this.events);
    events.push(ptr, len);
    const out = this.strip ? new ByteWriter(len + 64) : null;
    while (events.next()) {
      const keep = this.readEvent(events.eventStart, events.eventEnd);
      if (out !== null && keep) out.bytes(events.eventStart, events.eventEnd - events.eventStart);
    }
    const pending = events.pending();
    // A stream may end without the blank line after its last event.
    const last = endOfStream && pending > 0 && this.readEvent(events.pendingStart(), events.pendingStart() + pending);
    const tooLarge = pending > this.maxBytes;
    if (out !== null && (last || tooLarge)) out.bytes(events.pendingStart(), pending);
    if (out !== null) {
      replaceBuffer(BufferType.HttpResponseBody, size, out.ptr, out.len);
      out.free();
    }
    if (tooLarge) this.giveUp();
  }

  // Reads one event's usage; false when it is the usage chunk the client did not ask for.
  private readEvent(start: usize, end: usize): bool {
    const data = changetype<ByteWriter>(this.data);
    if (!eventData(start, end, data)) return true;
    return !(readUsage(data.ptr, data.len, this.usage) == UsageRead.UsageOnlyChunk && this.strip);
  }

  private giveUp(): void {
    this.unreadable = true;
    this.release();
  }

  // Frees the buffers; reading ends here.
  release(): void {
    this.kind = Kind.None;
    if (this.json !== null) changetype<ByteWriter>(this.json).free();
    if (this.events !== null) changetype<EventSplitter>(this.events).free();
    if (this.data !== null) changetype<ByteWriter>(this.data).free();
    this.json = null;
    this.events = null;
    this.data = null;
  }
}
