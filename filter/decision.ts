import { validDocument } from "./json/scanner";
import { ArrayReader, ObjectReader, decodeString, firstByte, isString, plainInteger } from "./json/reader";
import { MAX_PATCH_DEPTH, MAX_PATCH_OPS, PatchOp, SystemPrompt } from "./json/patch";
import { isHeaderName, isPrintable } from "./config";

// The control plane's answer (docs/decision-contract.md). parseDecision returns null for anything
// that breaks the contract; the caller turns that into the `bad_decision` failure.

export namespace Action {
  export const Route = 0;
  export const Block = 1;
  export const Pass = 2;
}

const MAX_HEADERS = 16;
const MAX_LABELS = 8;
const MAX_LABEL_BYTES = 128;
const MAX_VALUE_BYTES = 256;
const MAX_PATCH_VALUE_BYTES: usize = 4096;
const MAX_SYSTEM_PROMPT_BYTES: usize = 65536;
// Headers a decision may not set: they describe the message itself, or are the filter's own.
const RESERVED: StaticArray<string> = ["content-length", "content-type", "host", "transfer-encoding",
  "connection", "te", "upgrade", "keep-alive", "x-switchyard-failure"];

export class Decision {
  action: i32 = Action.Pass;
  model: string = "";
  headerNames: string[] = [];
  headerValues: string[] = [];
  blockStatus: u32 = 0;
  blockMessage: string = "";
  blockType: string = "";
  blockCode: string = "";
  ops: PatchOp[] = [];
  system: SystemPrompt | null = null;
  // Bounded labels the filter returns with the request's token usage (category, tenant, ...).
  labelNames: string[] = [];
  labelValues: string[] = [];

  // Whether the body needs more than the in-place model rewrite.
  editsBody(): bool {
    return this.ops.length > 0 || this.system !== null;
  }
}

export function parseDecision(ptr: usize, len: usize, selectedModelHeader: string): Decision | null {
  if (!validDocument(ptr, len)) return null;
  let start = ptr;
  while (firstByte(start) != 0x7b) {
    if (firstByte(start) > 0x20) return null;
    start++;
  }
  const d = new Decision();
  let version: i64 = -1;
  let action = "";
  let hasModel = false;
  let hasBlock = false;
  const m = new ObjectReader(start, ptr + len);
  while (m.next()) {
    if (m.keyIs("version")) {
      version = plainInteger(m.valueStart, m.valueEnd, 1000);
    } else if (m.keyIs("action")) {
      if (!isString(m.valueStart, m.valueEnd)) return null;
      action = decodeString(m.valueStart, m.valueEnd);
    } else if (m.keyIs("model")) {
      if (!isString(m.valueStart, m.valueEnd)) return null;
      d.model = decodeString(m.valueStart, m.valueEnd);
      hasModel = true;
    } else if (m.keyIs("headers")) {
      if (!readHeaders(d, m.valueStart, m.valueEnd, selectedModelHeader)) return null;
    } else if (m.keyIs("block")) {
      if (!readBlock(d, m.valueStart, m.valueEnd)) return null;
      hasBlock = true;
    } else if (m.keyIs("body_patch")) {
      if (!readPatch(d, m.valueStart, m.valueEnd)) return null;
    } else if (m.keyIs("system_prompt")) {
      if (!readSystemPrompt(d, m.valueStart, m.valueEnd)) return null;
    } else if (m.keyIs("labels")) {
      if (!readLabels(d, m.valueStart, m.valueEnd)) return null;
    }
  }
  if (version != 1) return null;
  if (action == "route") {
    // The model becomes a header value and a JSON string in the body.
    if (!hasModel || d.model.length == 0 || d.model.length > MAX_VALUE_BYTES || !isPrintable(d.model)) return null;
    d.action = Action.Route;
  } else if (action == "block") {
    if (!hasBlock) return null;
    d.action = Action.Block;
  } else if (action != "pass") {
    return null;
  }
  return d;
}

function readHeaders(d: Decision, s: usize, e: usize, selectedModelHeader: string): bool {
  if (firstByte(s) != 0x7b) return false;
  const h = new ObjectReader(s, e);
  while (h.next()) {
    if (!isString(h.valueStart, h.valueEnd)) return false;
    const name = decodeString(h.keyStart, h.keyEnd);
    const value = decodeString(h.valueStart, h.valueEnd);
    if (!isHeaderName(name) || RESERVED.includes(name) || name == selectedModelHeader) return false;
    if (value.length > MAX_VALUE_BYTES || !isPrintable(value)) return false;
    if (d.headerNames.length == MAX_HEADERS) return false;
    d.headerNames.push(name);
    d.headerValues.push(value);
  }
  return true;
}

// Label names are header-name-like; values printable and short, as they become metric labels.
function readLabels(d: Decision, s: usize, e: usize): bool {
  if (firstByte(s) != 0x7b) return false;
  const m = new ObjectReader(s, e);
  while (m.next()) {
    if (!isString(m.valueStart, m.valueEnd) || d.labelNames.length == MAX_LABELS) return false;
    const name = decodeString(m.keyStart, m.keyEnd);
    const value = decodeString(m.valueStart, m.valueEnd);
    if (!isLabelName(name) || d.labelNames.includes(name)) return false;
    if (value.length == 0 || value.length > MAX_LABEL_BYTES || !isPrintable(value)) return false;
    d.labelNames.push(name);
    d.labelValues.push(value);
  }
  return true;
}

function isLabelName(v: string): bool {
  if (v.length == 0 || v.length > 32) return false;
  for (let i = 0, n = v.length; i < n; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || c == 0x5f)) return false;
  }
  return true;
}

function readBlock(d: Decision, s: usize, e: usize): bool {
  if (firstByte(s) != 0x7b) return false;
  let fields = 0;
  const b = new ObjectReader(s, e);
  while (b.next()) {
    if (b.keyIs("status")) {
      const status = plainInteger(b.valueStart, b.valueEnd, 599);
      if (status < 400) return false;
      d.blockStatus = <u32>status;
      fields |= 1;
    } else if (b.keyIs("message") || b.keyIs("type") || b.keyIs("code")) {
      if (!isString(b.valueStart, b.valueEnd)) return false;
      const v = decodeString(b.valueStart, b.valueEnd);
      if (b.keyIs("message")) { d.blockMessage = v; fields |= 2; }
      else if (b.keyIs("type")) { d.blockType = v; fields |= 4; }
      else { d.blockCode = v; fields |= 8; }
    }
  }
  return fields == 15;
}

function readPatch(d: Decision, s: usize, e: usize): bool {
  if (firstByte(s) != 0x5b) return false;
  const items = new ArrayReader(s, e);
  while (items.next()) {
    if (d.ops.length == MAX_PATCH_OPS || firstByte(items.valueStart) != 0x7b) return false;
    const op = new PatchOp();
    let kind = "";
    let hasValue = false;
    const m = new ObjectReader(items.valueStart, items.valueEnd);
    while (m.next()) {
      if (m.keyIs("op")) {
        if (!isString(m.valueStart, m.valueEnd)) return false;
        kind = decodeString(m.valueStart, m.valueEnd);
      } else if (m.keyIs("path")) {
        if (!readPath(op, m.valueStart, m.valueEnd)) return false;
      } else if (m.keyIs("value")) {
        if (m.valueEnd - m.valueStart > MAX_PATCH_VALUE_BYTES) return false;
        op.value = String.UTF8.decodeUnsafe(m.valueStart, m.valueEnd - m.valueStart);
        hasValue = true;
      } else if (m.keyIs("if_absent")) {
        const c = firstByte(m.valueStart);
        if (c != 0x74 && c != 0x66) return false;
        op.ifAbsent = c == 0x74;
      }
    }
    // The decision's own `model` is what the body's model becomes; a patch may not compete with it.
    if (op.path.length == 0 || op.path[0] == "model") return false;
    if (kind == "remove") op.remove = true;
    else if (kind != "set" || !hasValue) return false;
    d.ops.push(op);
  }
  return true;
}

function readPath(op: PatchOp, s: usize, e: usize): bool {
  if (firstByte(s) != 0x5b) return false;
  const keys = new ArrayReader(s, e);
  while (keys.next()) {
    if (!isString(keys.valueStart, keys.valueEnd) || op.path.length == MAX_PATCH_DEPTH) return false;
    const key = decodeString(keys.valueStart, keys.valueEnd);
    if (key.length == 0) return false;
    op.path.push(key);
  }
  return op.path.length > 0;
}

function readSystemPrompt(d: Decision, s: usize, e: usize): bool {
  if (firstByte(s) != 0x7b) return false;
  const sp = new SystemPrompt();
  let hasText = false;
  const m = new ObjectReader(s, e);
  while (m.next()) {
    if (m.keyIs("text")) {
      if (!isString(m.valueStart, m.valueEnd) || m.valueEnd - m.valueStart > MAX_SYSTEM_PROMPT_BYTES) return false;
      sp.text = decodeString(m.valueStart, m.valueEnd);
      hasText = sp.text.length > 0;
    } else if (m.keyIs("mode")) {
      if (m.valueIs("replace")) sp.replace = true;
      else if (!m.valueIs("insert")) return false;
    }
  }
  if (!hasText) return false;
  d.system = sp;
  return true;
}
