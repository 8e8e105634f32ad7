import { ArrayReader, ObjectReader, decodeString, firstByte, isString, stringIs } from "./reader";
import { ByteWriter } from "./writer";
import { Api } from "./extract";

// Rewrites a request body for a route decision that edits more than `model`: body_patch operations
// and a system prompt (docs/decision-contract.md). The body was validated by parseRequest; the
// patched object is written member by member, members nobody touches copied byte for byte.

export const MAX_PATCH_OPS = 16;
export const MAX_PATCH_DEPTH = 4;

export class PatchOp {
  path: string[] = [];
  remove: bool = false;
  ifAbsent: bool = false;
  // The value's JSON text, as the decision carried it (valid JSON: the decision was validated).
  value: string = "";
}

export class SystemPrompt {
  text: string = "";
  replace: bool = false;
}

export class Rewrite {
  model: string = "";
  api: i32 = 0;
  ops: PatchOp[] = [];
  system: SystemPrompt | null = null;
}

// `start` is the top-level object's opening brace, `end` the end of the body.
export function writePatched(out: ByteWriter, start: usize, end: usize, rw: Rewrite): void {
  writeObject(out, start, end, rw.ops, 0, rw);
}

// Ops that concern the member `key` at `depth`.
function opsFor(ops: PatchOp[], depth: i32, key: string): PatchOp[] {
  const out: PatchOp[] = [];
  for (let i = 0; i < ops.length; i++) if (ops[i].path[depth] == key) out.push(ops[i]);
  return out;
}

// The last op that ends at this member decides it (later operations win, as in a sequence).
function leafOf(ops: PatchOp[], depth: i32): PatchOp | null {
  let leaf: PatchOp | null = null;
  for (let i = 0; i < ops.length; i++) if (ops[i].path.length == depth + 1) leaf = ops[i];
  return leaf;
}

function systemField(api: i32): string {
  if (api == Api.Chat) return "messages";
  if (api == Api.Messages) return "system";
  if (api == Api.Responses) return "instructions";
  return "";
}

// An object (start == 0: a new, empty one) with `ops` applied; `top` only for the body itself.
function writeObject(out: ByteWriter, start: usize, end: usize, ops: PatchOp[], depth: i32, top: Rewrite | null): void {
  out.byte(0x7b);
  let first = true;
  const done: string[] = [];
  const sysField = top !== null && top.system !== null ? systemField(top.api) : "";
  let sysDone = false;
  if (start != 0) {
    const r = new ObjectReader(start, end);
    while (r.next()) {
      if (top !== null && r.keyIs("model")) {
        done.push("model");
        first = sep(out, first);
        out.bytes(r.keyStart, r.keyEnd - r.keyStart);
        out.byte(0x3a);
        out.jsonString(top.model);
        continue;
      }
      if (sysField.length > 0 && r.keyIs(sysField)) {
        // The system prompt owns this member; ops on it would write it twice.
        done.push(sysField);
        first = sep(out, first);
        out.bytes(r.keyStart, r.keyEnd - r.keyStart);
        out.byte(0x3a);
        writeSystem(out, r.valueStart, r.valueEnd, changetype<Rewrite>(top));
        sysDone = true;
        continue;
      }
      const key = decodeString(r.keyStart, r.keyEnd);
      const mine = opsFor(ops, depth, key);
      if (mine.length == 0) {
        first = sep(out, first);
        out.bytes(r.keyStart, r.valueEnd - r.keyStart);
        continue;
      }
      done.push(key);
      const leaf = leafOf(mine, depth);
      if (leaf !== null) {
        if (leaf.remove) continue;
        first = sep(out, first);
        if (leaf.ifAbsent) {
          out.bytes(r.keyStart, r.valueEnd - r.keyStart);
        } else {
          out.bytes(r.keyStart, r.keyEnd - r.keyStart);
          out.byte(0x3a);
          out.utf8(leaf.value);
        }
        continue;
      }
      first = sep(out, first);
      out.bytes(r.keyStart, r.keyEnd - r.keyStart);
      out.byte(0x3a);
      // Deeper ops need an object to descend into; any other value stays as the client sent it.
      if (firstByte(r.valueStart) == 0x7b) writeObject(out, r.valueStart, r.valueEnd, mine, depth + 1, null);
      else out.bytes(r.valueStart, r.valueEnd - r.valueStart);
    }
  }
  // Members the ops set that the object does not have yet, in op order.
  if (sysField.length > 0) done.push(sysField);
  for (let i = 0; i < ops.length; i++) {
    const key = ops[i].path[depth];
    if (done.includes(key)) continue;
    done.push(key);
    const mine = opsFor(ops, depth, key);
    const leaf = leafOf(mine, depth);
    if (leaf !== null) {
      if (leaf.remove) continue;
      first = sep(out, first);
      out.jsonString(key);
      out.byte(0x3a);
      out.utf8(leaf.value);
      continue;
    }
    if (!setsSomething(mine)) continue;
    first = sep(out, first);
    out.jsonString(key);
    out.byte(0x3a);
    writeObject(out, 0, 0, mine, depth + 1, null);
  }
  // A system prompt where the client sent none: Anthropic `system`, Responses `instructions`.
  if (sysField.length > 0 && !sysDone && top !== null && top.api != Api.Chat) {
    first = sep(out, first);
    out.jsonString(sysField);
    out.byte(0x3a);
    out.jsonString(changetype<SystemPrompt>(top.system).text);
  }
  out.byte(0x7d);
}

// Whether creating the object for these ops yields any member (removals alone create nothing).
function setsSomething(ops: PatchOp[]): bool {
  for (let i = 0; i < ops.length; i++) if (!ops[i].remove) return true;
  return false;
}

function sep(out: ByteWriter, first: bool): bool {
  if (!first) out.byte(0x2c);
  return false;
}

// The system prompt applied to the client's value of the API's system field.
function writeSystem(out: ByteWriter, s: usize, e: usize, rw: Rewrite): void {
  const sp = changetype<SystemPrompt>(rw.system);
  const c = firstByte(s);
  if (rw.api == Api.Chat) {
    if (c != 0x5b) {
      out.bytes(s, e - s);
      return;
    }
    out.ascii("[{\"role\":\"system\",\"content\":");
    out.jsonString(sp.text);
    out.byte(0x7d);
    const items = new ArrayReader(s, e);
    while (items.next()) {
      if (sp.replace && isSystemMessage(items.valueStart, items.valueEnd)) continue;
      out.byte(0x2c);
      out.bytes(items.valueStart, items.valueEnd - items.valueStart);
    }
    out.byte(0x5d);
    return;
  }
  if (sp.replace || c == 0x6e) {
    out.jsonString(sp.text);
  } else if (isString(s, e)) {
    out.jsonString(sp.text + "\n\n" + decodeString(s, e));
  } else if (c == 0x5b) {
    // Anthropic content blocks: ours goes first.
    out.ascii("[{\"type\":\"text\",\"text\":");
    out.jsonString(sp.text);
    out.byte(0x7d);
    const items = new ArrayReader(s, e);
    while (items.next()) {
      out.byte(0x2c);
      out.bytes(items.valueStart, items.valueEnd - items.valueStart);
    }
    out.byte(0x5d);
  } else {
    out.bytes(s, e - s);
  }
}

// An OpenAI message whose role is system or developer.
function isSystemMessage(s: usize, e: usize): bool {
  if (firstByte(s) != 0x7b) return false;
  const m = new ObjectReader(s, e);
  while (m.next()) {
    if (!m.keyIs("role")) continue;
    return stringIs(m.valueStart, m.valueEnd, m.valueEscaped, "system") || stringIs(m.valueStart, m.valueEnd, m.valueEscaped, "developer");
  }
  return false;
}
