import { proxy_get_buffer_bytes, proxy_set_buffer_bytes } from "../abi/imports";
import { Status } from "../abi/types";
import { HostBytes, OUT_PTR, OUT_SIZE, clearOut } from "./host_bytes";

// The first `size` bytes of a host buffer (request body, http call response, plugin config), or an
// empty HostBytes when there is none. The caller frees the result.
export function readBuffer(bufferType: i32, size: usize): HostBytes {
  clearOut();
  if (size == 0 || proxy_get_buffer_bytes(bufferType, 0, size, OUT_PTR, OUT_SIZE) != Status.Ok) {
    return new HostBytes(0, 0);
  }
  return HostBytes.fromOut();
}

// Replaces a whole buffer. Envoy only supports replacing from offset 0 (it drains `length` bytes
// and prepends the data), so in-place edits are done by writing the full new content.
export function replaceBuffer(bufferType: i32, oldSize: usize, ptr: usize, len: usize): bool {
  return proxy_set_buffer_bytes(bufferType, 0, oldSize, ptr, len) == Status.Ok;
}
