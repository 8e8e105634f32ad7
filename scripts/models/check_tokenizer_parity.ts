// Compares the product tokenizer with a reference fixture written by make_tokenizer_fixture.py for
// any encoder's tokenizer.json, so a candidate encoder is checked before heads are trained on it
// (the unit test only covers the default model's checked-in fixture).
//
//   node --import tsx scripts/models/check_tokenizer_parity.ts --model-dir DIR --fixture FILE
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';

const { values } = parseArgs({ options: { 'model-dir': { type: 'string' }, fixture: { type: 'string' } } });
if (!values['model-dir'] || !values.fixture) throw new Error('usage: check_tokenizer_parity.ts --model-dir DIR --fixture FILE');
const tok = WordPieceTokenizer.fromFile(join(values['model-dir'], 'tokenizer.json'));
const fx = JSON.parse(readFileSync(values.fixture, 'utf8')) as {
  max_length: number;
  cases: Array<{ text: string; ids: number[]; offsets: Array<[number, number]> }>;
};
let bad = 0;
for (const c of fx.cases) {
  const e = tok.encode(c.text, fx.max_length);
  if (!isDeepStrictEqual(e.ids, c.ids) || !isDeepStrictEqual(e.offsets, c.offsets)) {
    if (bad++ < 5) console.error(`mismatch: ${JSON.stringify(c.text).slice(0, 80)}`);
  }
}
console.log(`${fx.cases.length - bad}/${fx.cases.length} strings match (ids and offsets)`);
process.exit(bad ? 1 : 0);
