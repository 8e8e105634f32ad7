import { proxy_http_call } from "../abi/imports";
import { Status } from "../abi/types";
import { serializeHeaders } from "./headers";

const TOKEN: usize = memory.data(4);

// Dispatches an HTTP call to an Envoy cluster. Returns the call's token, or -1 when the host
// refused it (unknown cluster, bad headers). Envoy delivers the response to the root context.
export function httpCall(cluster: string, names: string[], values: string[], bodyPtr: usize, bodyLen: usize, timeoutMs: u32): i64 {
  const upstream = String.UTF8.encode(cluster);
  const headers = serializeHeaders(names, values);
  const trailers = serializeHeaders([], []);
  const status = proxy_http_call(
    changetype<usize>(upstream), <usize>upstream.byteLength,
    changetype<usize>(headers), <usize>headers.byteLength,
    bodyPtr, bodyLen,
    changetype<usize>(trailers), <usize>trailers.byteLength,
    timeoutMs, TOKEN);
  return status == Status.Ok ? <i64>load<u32>(TOKEN) : -1;
}
