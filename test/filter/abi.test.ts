import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WASM } from "./helpers.ts";

// Host functions Envoy 1.36 provides to modules speaking ABI 0.2.1 (proxy-wasm-cpp-host plus
// Envoy's own). Anything else is an unresolved import and Envoy refuses to load the module.
// proxy_clear_route_cache and proxy_continue_request/response belong to ABI 0.1.0 and are left out:
// route cache clearing goes through proxy_call_foreign_function("clear_route_cache").
const ENVOY_ABI_0_2_1 = new Set([
  "proxy_log", "proxy_get_log_level", "proxy_get_status", "proxy_set_tick_period_milliseconds",
  "proxy_get_current_time_nanoseconds", "proxy_get_property", "proxy_set_property",
  "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response",
  "proxy_get_shared_data", "proxy_set_shared_data", "proxy_register_shared_queue", "proxy_resolve_shared_queue",
  "proxy_dequeue_shared_queue", "proxy_enqueue_shared_queue",
  "proxy_get_header_map_value", "proxy_add_header_map_value", "proxy_replace_header_map_value",
  "proxy_remove_header_map_value", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs",
  "proxy_get_header_map_size", "proxy_get_buffer_status", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes",
  "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_close", "proxy_grpc_cancel", "proxy_grpc_send",
  "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric",
  "proxy_set_effective_context", "proxy_done", "proxy_call_foreign_function",
]);

const module = new WebAssembly.Module(readFileSync(WASM));

test("every import is a host function Envoy 1.36 provides under env", () => {
  const imports = WebAssembly.Module.imports(module);
  assert.ok(imports.length > 0);
  for (const imp of imports) {
    assert.equal(imp.kind, "function", `${imp.module}.${imp.name} is not a function import`);
    assert.equal(imp.module, "env", `${imp.module}.${imp.name} is outside module env`);
    assert.ok(ENVOY_ABI_0_2_1.has(imp.name), `${imp.name} is not provided by Envoy for ABI 0.2.1`);
  }
});

// What the filter imports, listed explicitly so a new host dependency is a visible decision. The
// breaker needs proxy_get_shared_data / proxy_set_shared_data (state shared by all worker VMs,
// with CAS) and proxy_record_metric (its gauge).
const FILTER_IMPORTS = [
  "proxy_log", "proxy_get_current_time_nanoseconds", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes",
  "proxy_get_header_map_value", "proxy_replace_header_map_value", "proxy_send_local_response", "proxy_http_call",
  "proxy_set_effective_context", "proxy_continue_stream", "proxy_define_metric", "proxy_increment_metric",
  "proxy_record_metric", "proxy_call_foreign_function", "proxy_get_shared_data", "proxy_set_shared_data",
  "proxy_set_tick_period_milliseconds", "proxy_remove_header_map_value",
];

test("imports exactly the host functions the filter is documented to use", () => {
  assert.deepEqual(WebAssembly.Module.imports(module).map((i) => i.name).sort(), [...FILTER_IMPORTS].sort());
});

test("declares ABI 0.2.1 and exports the callbacks Envoy drives", () => {
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const name of ["proxy_abi_version_0_2_1", "proxy_on_memory_allocate", "proxy_on_context_create",
    "proxy_on_vm_start", "proxy_on_configure", "proxy_on_request_headers", "proxy_on_request_body",
    "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_tick", "proxy_on_http_call_response", "proxy_on_done", "proxy_on_log",
    "proxy_on_delete", "memory"]) {
    assert.ok(exports.has(name), `missing export ${name}`);
  }
  for (const name of exports) assert.ok(!name.startsWith("proxy_abi_version") || name === "proxy_abi_version_0_2_1");
});

test("the module stays small", () => {
  assert.ok(readFileSync(WASM).length < 128 * 1024);
});
