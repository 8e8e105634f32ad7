// Reads the question embeddings cached by embed-questions.ts, refusing vectors from another encoder.
import { existsSync, readFileSync } from 'node:fs';

export interface EmbeddingCache {
  hidden: number;
  /** id -> L2-normalized embedding (a view into one shared buffer). */
  byId: Map<string, Float32Array>;
}

/**
 * Returns the reason instead, as a string, when the cache is missing or was made from other model
 * bytes; `command` is the one that makes it.
 */
export function loadEmbeddings(prefix: string, encoderSha256: string, command: string): EmbeddingCache | string {
  if (!existsSync(`${prefix}.json`) || !existsSync(`${prefix}.f32`)) return `no cached embeddings at ${prefix}.{json,f32}; run ${command}`;
  const meta = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as { ids: string[]; hidden: number; encoder_sha256: string };
  if (meta.encoder_sha256 !== encoderSha256) return `cached embeddings at ${prefix} come from other model bytes than the encoder's; rerun ${command}`;
  const raw = readFileSync(`${prefix}.f32`);
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  return { hidden: meta.hidden, byId: new Map(meta.ids.map((id, i) => [id, all.subarray(i * meta.hidden, (i + 1) * meta.hidden)])) };
}
