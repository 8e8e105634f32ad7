import { proxy_get_header_map_value, proxy_remove_header_map_value, proxy_replace_header_map_value } from "../abi/imports";
import { Status } from "../abi/types";
import { HostBytes, OUT_PTR, OUT_SIZE, clearOut } from "./host_bytes";

// Value of a header (or pseudo-header such as ":path"), or null when absent.
export function getHeader(map: i32, name: string): string | null {
  const key = String.UTF8.encode(name);
  clearOut();
  if (proxy_get_header_map_value(map, changetype<usize>(key), <usize>key.byteLength, OUT_PTR, OUT_SIZE) != Status.Ok) {
    return null;
  }
  const value = HostBytes.fromOut();
  const s = value.toString();
  value.free();
  return s;
}

export function setHeader(map: i32, name: string, value: string): void {
  const k = String.UTF8.encode(name);
  const v = String.UTF8.encode(value);
  proxy_replace_header_map_value(map, changetype<usize>(k), <usize>k.byteLength, changetype<usize>(v), <usize>v.byteLength);
}

export function removeHeader(map: i32, name: string): void {
  const k = String.UTF8.encode(name);
  proxy_remove_header_map_value(map, changetype<usize>(k), <usize>k.byteLength);
}

// The ABI's serialized header map: count, then (key size, value size) per pair, then each key and
// value followed by a NUL.
export function serializeHeaders(names: string[], values: string[]): ArrayBuffer {
  const n = names.length;
  const keys = new Array<ArrayBuffer>(n);
  const vals = new Array<ArrayBuffer>(n);
  let size = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    keys[i] = String.UTF8.encode(names[i]);
    vals[i] = String.UTF8.encode(values[i]);
    size += keys[i].byteLength + vals[i].byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, n);
  let sizes = base + 4;
  let data = base + 4 + <usize>n * 8;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const v = vals[i];
    store<u32>(sizes, k.byteLength);
    store<u32>(sizes + 4, v.byteLength);
    sizes += 8;
    memory.copy(data, changetype<usize>(k), k.byteLength);
    data += k.byteLength;
    store<u8>(data++, 0);
    memory.copy(data, changetype<usize>(v), v.byteLength);
    data += v.byteLength;
    store<u8>(data++, 0);
  }
  return out;
}
