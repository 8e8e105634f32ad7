// Numeric values of the proxy-wasm ABI 0.2.1 enums used by the filter.

export namespace Status {
  export const Ok: i32 = 0;
  export const NotFound: i32 = 1;
  export const CasMismatch: i32 = 8;
}

export namespace LogLevel {
  export const Debug: i32 = 1;
  export const Warn: i32 = 3;
  export const Error: i32 = 4;
  export const Critical: i32 = 5;
}

export namespace BufferType {
  export const HttpRequestBody: i32 = 0;
  export const HttpResponseBody: i32 = 1;
  export const HttpCallResponseBody: i32 = 4;
  export const PluginConfiguration: i32 = 7;
}

export namespace MapType {
  export const HttpRequestHeaders: i32 = 0;
  export const HttpResponseHeaders: i32 = 2;
  export const HttpCallResponseHeaders: i32 = 6;
}

// Return values of proxy_on_request_headers / proxy_on_request_body. For body callbacks Envoy reads
// `Pause` as StopIterationAndBuffer, which is what lets the filter see the whole body at once.
export namespace Action {
  export const Continue: i32 = 0;
  export const Pause: i32 = 1;
}

export namespace StreamType {
  export const Request: i32 = 0;
}

export namespace MetricType {
  export const Counter: i32 = 0;
  export const Gauge: i32 = 1;
  export const Histogram: i32 = 2;
}
