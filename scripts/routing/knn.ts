// Exact nearest neighbours by cosine similarity over L2-normalized vectors (a dot product). A linear
// scan of ~8k x 384 floats is a few milliseconds, so no index structure is warranted at this size.

export interface Hit {
  index: number;
  similarity: number;
}

/** The k rows of `rows` most similar to `query`, most similar first. */
export function nearest(query: Float32Array, rows: readonly Float32Array[], k: number): Hit[] {
  const top: Hit[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let s = 0;
    for (let d = 0; d < query.length; d++) s += query[d] * r[d];
    if (top.length < k || s > top[top.length - 1].similarity) {
      // Insertion into a short sorted list: k is small (tens), so this beats a heap in practice.
      let at = top.length < k ? top.length : top.length - 1;
      while (at > 0 && top[at - 1].similarity < s) at--;
      top.splice(at, 0, { index: i, similarity: s });
      if (top.length > k) top.pop();
    }
  }
  return top;
}
