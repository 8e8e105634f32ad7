import { validDocument } from "./scanner";
import { ObjectReader, firstByte, isString } from "./reader";

// Top-level members of an LLM API request that the filter reads. Their value spans are recorded in
// one pass; everything else is only validated.
export namespace Field {
  export const Model = 0;
  export const Stream = 1;
  export const Messages = 2;
  export const System = 3;
  export const Instructions = 4;
  export const Input = 5;
  export const Prompt = 6;
  export const StreamOptions = 7;
  // Sent to the control plane as `params` (extract.ts): what the policy's body edits must respect.
  export const FirstParam = 8;
  export const ToolChoice = 14;
}
const FIELD_NAMES: StaticArray<string> = ["model", "stream", "messages", "system", "instructions", "input", "prompt", "stream_options",
  "max_tokens", "max_completion_tokens", "max_output_tokens", "temperature", "top_p", "top_k", "tool_choice"];

export class RequestFields {
  starts: StaticArray<usize> = new StaticArray<usize>(FIELD_NAMES.length);
  ends: StaticArray<usize> = new StaticArray<usize>(FIELD_NAMES.length);
  modelEscaped: bool = false;
  // Address of the top-level object's opening brace.
  objectStart: usize = 0;

  // The member name of a field.
  static nameOf(field: i32): string {
    return FIELD_NAMES[field];
  }

  has(field: i32): bool {
    return this.ends[field] != 0;
  }

  // The model string token (with quotes), or false when `model` is absent or not a string.
  hasStringModel(): bool {
    return this.has(Field.Model) && isString(this.starts[Field.Model], this.ends[Field.Model]);
  }

  stream(): bool {
    return this.has(Field.Stream) && firstByte(this.starts[Field.Stream]) == 0x74;
  }

  // Whether the client set stream_options.include_usage to true.
  includesUsage(): bool {
    if (!this.has(Field.StreamOptions) || firstByte(this.starts[Field.StreamOptions]) != 0x7b) return false;
    const m = new ObjectReader(this.starts[Field.StreamOptions], this.ends[Field.StreamOptions]);
    let on = false;
    while (m.next()) if (m.keyIs("include_usage")) on = firstByte(m.valueStart) == 0x74;
    return on;
  }
}

// Null when the body is not one valid JSON object, or repeats a member the filter reads: parsers
// disagree on which duplicate wins, and the filter must see the same `model` as the upstream.
export function parseRequest(ptr: usize, len: usize): RequestFields | null {
  if (!validDocument(ptr, len)) return null;
  let start = ptr;
  const end = ptr + len;
  while (start < end && firstByte(start) != 0x7b) {
    if (firstByte(start) > 0x20) return null;
    start++;
  }
  if (start == end) return null;
  const fields = new RequestFields();
  fields.objectStart = start;
  const members = new ObjectReader(start, end);
  while (members.next()) {
    for (let f = 0; f < FIELD_NAMES.length; f++) {
      if (!members.keyIs(FIELD_NAMES[f])) continue;
      if (fields.has(f)) return null;
      fields.starts[f] = members.valueStart;
      fields.ends[f] = members.valueEnd;
      if (f == Field.Model) fields.modelEscaped = members.valueEscaped;
      break;
    }
  }
  return fields;
}
