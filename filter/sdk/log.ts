import { proxy_log } from "../abi/imports";
import { LogLevel } from "../abi/types";

function log(level: i32, message: string): void {
  const b = String.UTF8.encode(message);
  proxy_log(level, changetype<usize>(b), <usize>b.byteLength);
}

export function logError(message: string): void {
  log(LogLevel.Error, message);
}

export function logWarn(message: string): void {
  log(LogLevel.Warn, message);
}

export function logDebug(message: string): void {
  log(LogLevel.Debug, message);
}
