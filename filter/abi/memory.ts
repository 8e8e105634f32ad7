// Exports every proxy-wasm module must have regardless of what it does.

// Envoy checks for this export to pick the ABI version it speaks to the module.
export function proxy_abi_version_0_2_1(): void {}

// The host allocates through this when it returns data (headers, bodies, config) to the module.
// Such blocks are unmanaged: whoever receives one frees it (see sdk/host_bytes.ts).
export function proxy_on_memory_allocate(size: usize): usize {
  return heap.alloc(size);
}
