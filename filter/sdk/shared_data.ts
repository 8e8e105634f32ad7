import { proxy_get_shared_data, proxy_set_shared_data } from "../abi/imports";
import { Status } from "../abi/types";
import { HostBytes, OUT_PTR, OUT_SIZE, clearOut } from "./host_bytes";

// Shared data: a key-value store the host keeps per VM id, so every worker thread's VM of the same
// plugin sees the same values. Each value carries a CAS number that changes on every write; a
// write with a non-zero CAS only succeeds while the value is still the one that CAS was read with.

const CAS: usize = memory.data(4);

export class SharedValue {
  constructor(public bytes: HostBytes, public cas: u32) {}
}

// Returns null when the key has never been set (or the host refused).
export function getShared(key: ArrayBuffer): SharedValue | null {
  clearOut();
  store<u32>(CAS, 0);
  if (proxy_get_shared_data(changetype<usize>(key), <usize>key.byteLength, OUT_PTR, OUT_SIZE, CAS) != Status.Ok) return null;
  return new SharedValue(HostBytes.fromOut(), load<u32>(CAS));
}

// cas 0 writes unconditionally. Returns the host's status (Ok, CasMismatch, ...).
export function setShared(key: ArrayBuffer, ptr: usize, len: usize, cas: u32): i32 {
  return proxy_set_shared_data(changetype<usize>(key), <usize>key.byteLength, ptr, len, cas);
}
