import { proxy_log } from "./imports";
import { LogLevel } from "./types";

// Replaces AssemblyScript's default abort, which would import env.abort: Envoy does not provide it,
// and a module with an unknown import fails to load. A trap is still the right outcome (the host
// fails the stream and keeps the VM); this only makes the reason visible in Envoy's log.
export function abortHandler(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = "switchyard: abort: " + (message !== null ? message : "") + " at " +
    (fileName !== null ? fileName : "?") + ":" + line.toString() + ":" + column.toString();
  const bytes = String.UTF8.encode(text);
  proxy_log(LogLevel.Critical, changetype<usize>(bytes), <usize>bytes.byteLength);
  unreachable();
}
