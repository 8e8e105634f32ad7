// Derives per-category model scores from the MMLU-Pro outcome data and the assumed price table, and
// writes the routing table a policy consumes.
//
//   node --import tsx scripts/routing/derive-scores.ts [--data DIR] [--prices FILE] [--out FILE]
//
// Defaults: --data ../shared/data/mmlu-pro (or MMLU_PRO_DIR), --prices models/routing/prices.yaml,
// --out models/routing/category-scores.json. Only TRAIN-split questions are used (scripts/data/split.ts).
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadQuestions } from './data.ts';
import { dataDir, DEFAULT_PRICES, DEFAULT_TABLE, REPO_ROOT } from './paths.ts';
import { loadPrices } from './prices.ts';
import { deriveScores } from './scores.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, prices: { type: 'string' }, out: { type: 'string' } } });
const pricesPath = values.prices ?? DEFAULT_PRICES;
const prices = loadPrices(pricesPath);
const train = loadQuestions(dataDir(values.data)).filter((q) => q.split === 'train');
const table = {
  ...deriveScores(train, prices),
  meta: {
    generated_by: 'scripts/routing/derive-scores.ts',
    data: 'MMLU-Pro questions + outcomes, train split of scripts/data/split.ts',
    train_questions: train.length,
    prices: relative(REPO_ROOT, pricesPath),
    tokens: 'input = (question + options chars) / 4; output = recorded answer chars / 4, else the mean of models that record it',
    score: 'accuracy on train questions; wilson95 is its 95% Wilson interval',
  },
};
const out = values.out ?? DEFAULT_TABLE;
writeFileSync(out, `${JSON.stringify(table, null, 1)}\n`);

const usd = (x: number) => `$${(x * 1000).toFixed(4)}/1k`;
console.log(`train questions: ${train.length}; wrote ${relative(REPO_ROOT, out)}\n`);
console.log('model                         acc    wilson95       in_tok out_tok        cost/req');
for (const m of table.overall.models) {
  console.log(`${m.model.padEnd(29)} ${m.accuracy.toFixed(3)}  [${m.wilson95.map((x) => x.toFixed(3)).join(', ')}]  ${table.overall.mean_input_tokens.toFixed(0).padStart(6)} ${m.mean_output_tokens.toFixed(0).padStart(7)}${m.output_tokens_source === 'imputed' ? '*' : ' '} ${usd(m.cost_per_request_usd).padStart(15)}`);
}
console.log('(* output tokens imputed)\n\nper category, top 3 by score:');
for (const [c, s] of Object.entries(table.categories)) {
  console.log(`${c.padEnd(17)} n=${String(s.n).padStart(4)}  ${s.models.slice(0, 3).map((m) => `${m.model} ${m.accuracy.toFixed(3)} [${m.wilson95.map((x) => x.toFixed(2)).join('-')}]`).join(' | ')}`);
}
