import { proxy_send_local_response } from "../abi/imports";
import { serializeHeaders } from "./headers";

// Answers the client from the filter with a JSON body; the request never reaches an upstream.
export function sendJsonResponse(status: u32, details: string, bodyPtr: usize, bodyLen: usize): void {
  const d = String.UTF8.encode(details);
  const headers = serializeHeaders(["content-type"], ["application/json"]);
  proxy_send_local_response(status, changetype<usize>(d), <usize>d.byteLength, bodyPtr, bodyLen,
    changetype<usize>(headers), <usize>headers.byteLength, -1);
}
