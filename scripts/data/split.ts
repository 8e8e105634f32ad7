// The one train/dev/test split of MMLU-Pro question ids, shared by everything that learns from or is
// scored on that data. It reproduces `split_of` in scripts/train/prep_mmlu.py bit for bit (the
// category classifier's split), so the router is never evaluated on questions the classifier was
// trained on: sha256(id) read as a big-endian integer, mod 10 -> 0 test, 1 dev, else train (80/10/10).
import { createHash } from 'node:crypto';

export type Split = 'train' | 'dev' | 'test';

export function splitOf(id: string): Split {
  const bucket = BigInt(`0x${createHash('sha256').update(id, 'utf8').digest('hex')}`) % 10n;
  return bucket === 0n ? 'test' : bucket === 1n ? 'dev' : 'train';
}
