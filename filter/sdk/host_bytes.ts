// Data the host returns through a (pointer, size) pair of out-parameters.

// Out-parameter slots. The filter is single-threaded and never holds them across host calls.
export const OUT_PTR: usize = memory.data(8);
export const OUT_SIZE: usize = OUT_PTR + 4;

export class HostBytes {
  constructor(public ptr: usize, public len: usize) {}

  // Reads what the last host call stored in OUT_PTR / OUT_SIZE.
  static fromOut(): HostBytes {
    return new HostBytes(<usize>load<u32>(OUT_PTR), <usize>load<u32>(OUT_SIZE));
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, this.len);
  }

  free(): void {
    if (this.ptr != 0) heap.free(this.ptr);
    this.ptr = 0;
    this.len = 0;
  }
}

export function clearOut(): void {
  store<u32>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
}
