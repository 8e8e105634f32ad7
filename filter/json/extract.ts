import { ArrayReader, ObjectReader, firstByte, isString } from "./reader";
import { Field, RequestFields } from "./request";
import { ByteWriter } from "./writer";

export namespace Api {
  export const Chat = 0;
  export const Completions = 1;
  export const Responses = 2;
  export const Messages = 3;
}
export const API_NAMES: StaticArray<string> = ["openai.chat", "openai.completions", "openai.responses", "anthropic.messages"];
export const API_PATHS: StaticArray<string> = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"];

// Which API a request path speaks, by suffix so that prefixed mounts (/openai/v1/...) work; -1 if none.
export function apiOfPath(path: string): i32 {
  for (let i = 0; i < API_PATHS.length; i++) if (path.endsWith(API_PATHS[i])) return i;
  return -1;
}

// Joins the text of string tokens into the JSON string being written. Validated string tokens are
// copied raw, escapes included, which is already correct JSON; the separator is an escaped "\n".
// Without a writer it only counts, to tell whether a content has any text.
class TextJoin {
  private w: ByteWriter | null;
  count: i32 = 0;
  // Bytes of text joined, separators not counted.
  textBytes: usize = 0;

  constructor(w: ByteWriter | null) {
    this.w = w;
  }

  add(start: usize, end: usize): void {
    this.textBytes += end - start - 2;
    const w = this.w;
    if (w === null) return;
    if (this.count++ > 0) w.ascii("\\n");
    w.bytes(start + 1, end - start - 2);
  }

  // A message content: a string, or an array whose text parts are joined; other parts are skipped.
  content(start: usize, end: usize): void {
    if (isString(start, end)) {
      this.add(start, end);
      return;
    }
    if (firstByte(start) != 0x5b) return;
    const parts = new ArrayReader(start, end);
    while (parts.next()) {
      if (firstByte(parts.valueStart) != 0x7b) continue;
      let isText = false;
      let textStart: usize = 0;
      let textEnd: usize = 0;
      const part = new ObjectReader(parts.valueStart, parts.valueEnd);
      while (part.next()) {
        if (part.keyIs("type")) {
          isText = part.valueIs("text") || part.valueIs("input_text");
        } else if (part.keyIs("text") && isString(part.valueStart, part.valueEnd)) {
          textStart = part.valueStart;
          textEnd = part.valueEnd;
        }
      }
      if (isText && textEnd != 0) this.add(textStart, textEnd);
    }
  }

  // Completions `prompt`: a string, or an array of strings joined.
  strings(start: usize, end: usize): void {
    if (firstByte(start) != 0x5b) {
      this.content(start, end);
      return;
    }
    const items = new ArrayReader(start, end);
    while (items.next()) {
      if (isString(items.valueStart, items.valueEnd)) this.add(items.valueStart, items.valueEnd);
    }
  }
}

// Most earlier user messages sent as context; a follow-up is read after the last few at most.
const MAX_CONTEXT_MESSAGES = 8;

// A conversation array (`messages`, or Responses `input` items): remembers the contents of its user
// messages that have text (the last is the prompt, the earlier ones its context) and, when `system`
// is given, joins the contents of system/developer messages into it. A user message with no text,
// such as an Anthropic tool_result turn or an image alone, is not the prompt: the question it
// continues is, so a tool loop keeps being routed as the question that started it.
class Conversation {
  userStarts: usize[] = [];
  userEnds: usize[] = [];

  walk(start: usize, end: usize, system: TextJoin | null): void {
    if (firstByte(start) != 0x5b) return;
    const items = new ArrayReader(start, end);
    while (items.next()) {
      if (firstByte(items.valueStart) != 0x7b) continue;
      let role = 0; // 1 user, 2 system or developer
      let contentStart: usize = 0;
      let contentEnd: usize = 0;
      const m = new ObjectReader(items.valueStart, items.valueEnd);
      while (m.next()) {
        if (m.keyIs("role")) {
          role = m.valueIs("user") ? 1 : m.valueIs("system") || m.valueIs("developer") ? 2 : 0;
        } else if (m.keyIs("content")) {
          contentStart = m.valueStart;
          contentEnd = m.valueEnd;
        }
      }
      if (contentEnd == 0) continue;
      if (role == 1) {
        const probe = new TextJoin(null);
        probe.content(contentStart, contentEnd);
        if (probe.textBytes == 0) continue;
        this.userStarts.push(contentStart);
        this.userEnds.push(contentEnd);
      } else if (role == 2 && system !== null) {
        system.content(contentStart, contentEnd);
      }
    }
  }

  get users(): i32 {
    return this.userStarts.length;
  }

  // The texts of the user messages before the last, oldest first: the newest that fit in
  // `maxBytes` as written, the oldest of them cut to its last bytes at a character boundary. A
  // follow-up is read after the turns just before it, and the decision request stays small however
  // long the conversation is.
  writeContext(w: ByteWriter, maxBytes: usize): void {
    const texts: ByteWriter[] = []; // newest first
    const froms: usize[] = [];
    let left = maxBytes;
    for (let i = this.users - 2; i >= 0 && left > 0 && texts.length < MAX_CONTEXT_MESSAGES; i--) {
      const t = new ByteWriter(64);
      new TextJoin(t).content(this.userStarts[i], this.userEnds[i]);
      const from = tailStart(t.ptr, t.len, left);
      const kept = t.ptr + t.len - from;
      // Not one whole character of it fits: nothing older may be sent either.
      if (kept == 0) {
        t.free();
        break;
      }
      texts.push(t);
      froms.push(from);
      // A text cut short uses up the budget, even where its cut left a few bytes unused.
      left = from > t.ptr ? 0 : left - kept;
    }
    if (texts.length == 0) return;
    w.ascii(",\"context\":[");
    for (let k = texts.length - 1; k >= 0; k--) {
      const t = texts[k];
      if (k < texts.length - 1) w.byte(0x2c);
      w.byte(0x22);
      w.bytes(froms[k], t.ptr + t.len - froms[k]);
      w.byte(0x22);
      t.free();
    }
    w.byte(0x5d);
  }
}

// Where the last `maxBytes` bytes of JSON string content (escapes as written) may start: at or after
// len - maxBytes, at the first byte that begins a character, never inside an escape or a UTF-8
// sequence, so the tail is itself valid string content.
function tailStart(ptr: usize, len: usize, maxBytes: usize): usize {
  if (len <= maxBytes) return ptr;
  const end = ptr + len;
  const cut = end - maxBytes;
  let i = ptr;
  while (i < cut) i += load<u8>(i) == 0x5c ? (load<u8>(i + 1) == 0x75 ? 6 : 2) : 1;
  while (i < end && (load<u8>(i) & 0xc0) == 0x80) i++;
  return i;
}

// Writes the decision request of docs/decision-contract.md for a body already parsed by parseRequest.
// `contextBytes` bounds the conversation's earlier user messages sent as `context` (0: none).
export function writeDecisionRequest(w: ByteWriter, body: RequestFields, api: i32, path: string,
                                     headerNames: string[], headerValues: string[], contextBytes: usize): void {
  w.ascii("{\"version\":1,\"api\":\"");
  w.ascii(API_NAMES[api]);
  w.ascii("\",\"path\":");
  w.jsonString(path);
  w.ascii(",\"model\":");
  w.bytes(body.starts[Field.Model], body.ends[Field.Model] - body.starts[Field.Model]);

  // `system` is optional: written speculatively and cut back when no text was found.
  const systemMark = w.len;
  w.ascii(",\"system\":\"");
  const system = new TextJoin(w);
  const conversation = new Conversation();
  if (api == Api.Chat) {
    if (body.has(Field.Messages)) conversation.walk(body.starts[Field.Messages], body.ends[Field.Messages], system);
  } else if (api == Api.Messages) {
    if (body.has(Field.System)) system.content(body.starts[Field.System], body.ends[Field.System]);
    if (body.has(Field.Messages)) conversation.walk(body.starts[Field.Messages], body.ends[Field.Messages], null);
  } else if (api == Api.Responses) {
    if (body.has(Field.Instructions)) system.content(body.starts[Field.Instructions], body.ends[Field.Instructions]);
  }
  if (system.count == 0) w.len = systemMark;
  else w.byte(0x22);

  w.ascii(",\"prompt\":\"");
  const prompt = new TextJoin(w);
  if (api == Api.Completions) {
    if (body.has(Field.Prompt)) prompt.strings(body.starts[Field.Prompt], body.ends[Field.Prompt]);
  } else if (api == Api.Responses) {
    if (body.has(Field.Input)) {
      const s = body.starts[Field.Input];
      const e = body.ends[Field.Input];
      if (isString(s, e)) prompt.add(s, e);
      else conversation.walk(s, e, null);
    }
  }
  const users = conversation.users;
  if (users > 0) prompt.content(conversation.userStarts[users - 1], conversation.userEnds[users - 1]);
  w.byte(0x22);
  if (contextBytes > 0) conversation.writeContext(w, contextBytes);
  w.ascii(",\"stream\":");
  w.ascii(body.stream() ? "true" : "false");
  writeParams(w, body);

  if (headerNames.length > 0) {
    w.ascii(",\"headers\":{");
    for (let i = 0; i < headerNames.length; i++) {
      if (i > 0) w.byte(0x2c);
      w.jsonString(headerNames[i]);
      w.byte(0x3a);
      w.jsonString(headerValues[i]);
    }
    w.byte(0x7d);
  }
  w.byte(0x7d);
}

// The request's length and sampling settings and its tool choice, as `params`: numbers as written,
// `tool_choice` as its string or its object's `type`; other values are left out, and so is `params`
// when nothing is left. The policy needs them to switch reasoning on without making the request one
// the provider refuses (Anthropic thinking takes no temperature but 1, nor a forced tool).
function writeParams(w: ByteWriter, body: RequestFields): void {
  let count = 0;
  for (let f = Field.FirstParam; f <= Field.ToolChoice; f++) {
    if (!body.has(f)) continue;
    let start = body.starts[f];
    let end = body.ends[f];
    if (f == Field.ToolChoice) {
      if (firstByte(start) == 0x7b) {
        const m = new ObjectReader(start, end);
        end = 0;
        while (m.next()) {
          if (m.keyIs("type") && isString(m.valueStart, m.valueEnd)) {
            start = m.valueStart;
            end = m.valueEnd;
          }
        }
        if (end == 0) continue;
      } else if (!isString(start, end)) {
        continue;
      }
    } else {
      const b = firstByte(start);
      if (b != 0x2d && (b < 0x30 || b > 0x39)) continue;
    }
    w.ascii(count++ == 0 ? ",\"params\":{\"" : ",\"");
    w.ascii(RequestFields.nameOf(f));
    w.ascii("\":");
    w.bytes(start, end - start);
  }
  if (count > 0) w.byte(0x7d);
}
