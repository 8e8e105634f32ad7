import { proxy_call_foreign_function } from "../abi/imports";
import { HostBytes, OUT_PTR, OUT_SIZE, clearOut } from "./host_bytes";

const NAME = "clear_route_cache";

// Makes Envoy pick the route again from the (rewritten) request headers. ABI 0.2.1 has no host call
// for this; Envoy offers it as a foreign function instead.
export function clearRouteCache(): bool {
  const name = String.UTF8.encode(NAME);
  clearOut();
  const ok = proxy_call_foreign_function(changetype<usize>(name), <usize>name.byteLength, 0, 0, OUT_PTR, OUT_SIZE) == 0;
  HostBytes.fromOut().free();
  return ok;
}
