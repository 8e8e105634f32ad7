// Host functions of the proxy-wasm ABI 0.2.1, exactly as Envoy exports them under module "env".
// Only the functions the filter uses are declared: every import is a load-time requirement on the host.
// Pointers and sizes are i32 in wasm32; the host writes results through the *_ptr arguments.

@external("env", "proxy_log")
export declare function proxy_log(level: i32, messagePtr: usize, messageSize: usize): i32;

@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(resultPtr: usize): i32;

@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(bufferType: i32, start: usize, maxSize: usize, returnPtrPtr: usize, returnSizePtr: usize): i32;

@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(bufferType: i32, start: usize, size: usize, dataPtr: usize, dataSize: usize): i32;

@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(mapType: i32, keyPtr: usize, keySize: usize, returnPtrPtr: usize, returnSizePtr: usize): i32;

@external("env", "proxy_replace_header_map_value")
export declare function proxy_replace_header_map_value(mapType: i32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): i32;

@external("env", "proxy_remove_header_map_value")
export declare function proxy_remove_header_map_value(mapType: i32, keyPtr: usize, keySize: usize): i32;

@external("env", "proxy_send_local_response")
export declare function proxy_send_local_response(statusCode: u32, detailsPtr: usize, detailsSize: usize, bodyPtr: usize, bodySize: usize, headersPtr: usize, headersSize: usize, grpcStatus: i32): i32;

@external("env", "proxy_http_call")
export declare function proxy_http_call(upstreamPtr: usize, upstreamSize: usize, headersPtr: usize, headersSize: usize, bodyPtr: usize, bodySize: usize, trailersPtr: usize, trailersSize: usize, timeoutMs: u32, tokenPtr: usize): i32;

@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): i32;

@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(streamType: i32): i32;

@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: i32, namePtr: usize, nameSize: usize, metricIdPtr: usize): i32;

@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, offset: i64): i32;

@external("env", "proxy_call_foreign_function")
export declare function proxy_call_foreign_function(namePtr: usize, nameSize: usize, argPtr: usize, argSize: usize, returnPtrPtr: usize, returnSizePtr: usize): i32;

@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): i32;

@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(keyPtr: usize, keySize: usize, returnPtrPtr: usize, returnSizePtr: usize, casPtr: usize): i32;

@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize, cas: u32): i32;

@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(periodMs: u32): i32;
