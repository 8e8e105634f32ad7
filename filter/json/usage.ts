import { validDocument } from "./scanner";
import { ArrayReader, ObjectReader, firstByte, plainInteger } from "./reader";

// Token counts in LLM API responses (docs/filter.md#token-usage). The APIs name them differently:
// OpenAI chat and completions `prompt_tokens` / `completion_tokens`; the Responses API and Anthropic
// `input_tokens` / `output_tokens`, where Anthropic bills cache writes and reads
// (`cache_creation_input_tokens`, `cache_read_input_tokens`) apart from `input_tokens`, so they add
// to the prompt. Where the usage object sits also differs: at the top of a response or chunk,
// under `message` (Anthropic's message_start event) or under `response` (Responses stream events).

const MAX_TOKENS: i64 = 4000000000;

export class TokenUsage {
  prompt: i64 = -1;
  completion: i64 = -1;

  found(): bool {
    return this.prompt >= 0 || this.completion >= 0;
  }

  // Streams may report a count more than once (Anthropic: output_tokens 1 at the start, the total at
  // the end); counts only grow, so the largest is the total.
  merge(prompt: i64, completion: i64): void {
    if (prompt > this.prompt) this.prompt = prompt;
    if (completion > this.completion) this.completion = completion;
  }
}

export namespace UsageRead {
  export const None = 0;
  export const Found = 1;
  // OpenAI's extra stream chunk for stream_options.include_usage: usage with empty `choices`.
  export const UsageOnlyChunk = 3;
}

// Reads the usage of one JSON document (a response body, or the data of one stream event) into
// `into`. Anything that is not a JSON object, or has no usage object, reads as None.
export function readUsage(ptr: usize, len: usize, into: TokenUsage): i32 {
  if (!validDocument(ptr, len)) return UsageRead.None;
  let start = ptr;
  while (firstByte(start) != 0x7b) {
    if (firstByte(start) > 0x20) return UsageRead.None;
    start++;
  }
  const end = ptr + len;
  let found = false;
  let emptyChoices = false;
  const m = new ObjectReader(start, end);
  while (m.next()) {
    if (firstByte(m.valueStart) != 0x7b) {
      if (m.keyIs("choices") && firstByte(m.valueStart) == 0x5b) emptyChoices = !new ArrayReader(m.valueStart, end).next();
      continue;
    }
    if (m.keyIs("usage")) {
      found = readCounts(m.valueStart, end, into) || found;
    } else if (m.keyIs("message") || m.keyIs("response")) {
      const inner = new ObjectReader(m.valueStart, end);
      while (inner.next()) {
        if (inner.keyIs("usage") && firstByte(inner.valueStart) == 0x7b) found = readCounts(inner.valueStart, end, into) || found;
      }
    }
  }
  if (!found) return UsageRead.None;
  return emptyChoices ? UsageRead.UsageOnlyChunk : UsageRead.Found;
}

function readCounts(start: usize, end: usize, into: TokenUsage): bool {
  let prompt: i64 = -1;
  let completion: i64 = -1;
  const u = new ObjectReader(start, end);
  while (u.next()) {
    const v = plainInteger(u.valueStart, u.valueEnd, MAX_TOKENS);
    if (v < 0) continue;
    if (u.keyIs("prompt_tokens") || u.keyIs("input_tokens") || u.keyIs("cache_creation_input_tokens") || u.keyIs("cache_read_input_tokens")) {
      prompt = (prompt < 0 ? 0 : prompt) + v;
    } else if (u.keyIs("completion_tokens") || u.keyIs("output_tokens")) {
      completion = v;
    }
  }
  if (prompt < 0 && completion < 0) return false;
  into.merge(prompt, completion);
  return true;
}
