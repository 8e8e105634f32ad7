// Entry point of the Switchyard proxy-wasm filter: the exports Envoy calls, and the router behind them.
import { setRootFactory, RootContext } from "./sdk/context";
import { Root } from "./router";
import "./abi/abort";

export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./abi/memory";
export {
  proxy_on_context_create, proxy_on_vm_start, proxy_on_configure, proxy_on_request_headers,
  proxy_on_request_body, proxy_on_response_headers, proxy_on_response_body, proxy_on_tick,
  proxy_on_http_call_response, proxy_on_done,
  proxy_on_log, proxy_on_delete,
} from "./sdk/context";

function newRoot(id: u32): RootContext {
  return new Root(id);
}

setRootFactory(newRoot);
