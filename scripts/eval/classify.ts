// Evaluates the encoder classifier through the product code path (tokenizer, encoder, heads) and
// measures latency. Quality sets come from scripts/train/prep_*.py (.cache/train/); a missing set
// is reported as skipped, so `--only latency` works without any training data.
//
//   node --import tsx scripts/eval/classify.ts [--only quality|latency|category,jailbreak,pii,chat,context,custom]
//       [--requests 200] [--model NAME | --model-dir DIR --heads-dir DIR] [--device cpu|cuda|auto] [--threads N]
//       [--json FILE] [--errors FILE] [--dev-only]
//
// --model evaluates another pulled encoder with its heads (models/heads/NAME; default: the product's
// default encoder); --model-dir/--heads-dir evaluate a candidate that is not in the manifest;
// --device picks the execution provider as inference.device does (cuda: the GPU benchmark; it fails
// with the reason when CUDA cannot load); --threads sets onnxruntime intra-op threads (default: all cores); --json writes the figures for
// scripts/eval/encoder_tradeoff.ts; --errors writes every PII miss / false positive and category
// miss as JSONL, for error analysis (look at dev rows, not test rows, when changing the detectors);
// --dev-only leaves out the test conversations of --only context, for choices made on dev.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderClassifier } from '../../controlplane/classify/classifier.ts';
import { overlaps } from '../../controlplane/classify/pii.ts';
import type { Device } from '../../controlplane/classify/encoder.ts';
import { headsDirOf, modelDirOf, REPO_ROOT } from '../../controlplane/classify/paths.ts';
import { DEVICES } from '../../controlplane/config/classifier.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' }, requests: { type: 'string', default: '200' },
    model: { type: 'string' }, device: { type: 'string', default: 'cpu' }, 'model-dir': { type: 'string' }, 'heads-dir': { type: 'string' }, threads: { type: 'string' }, json: { type: 'string' },
    errors: { type: 'string' }, 'dev-only': { type: 'boolean', default: false },
  },
});
const QUALITY = ['category', 'jailbreak', 'pii', 'chat', 'context', 'custom'];
const only = values.only === 'quality' ? QUALITY : values.only ? values.only.split(',') : [...QUALITY, 'latency'];
const unknown = only.filter((o) => ![...QUALITY, 'latency'].includes(o));
if (unknown.length) throw new Error(`--only: unknown part ${unknown.join(', ')}; use quality, latency or ${QUALITY.join(', ')}`);
const errors: object[] = [];
const TRAIN = join(REPO_ROOT, '.cache', 'train');
if (!(DEVICES as readonly string[]).includes(values.device)) throw new Error(`--device: expected cpu, cuda or auto, got ${values.device}`);
// The encoder evaluated, with its heads; the custom-category part builds a second classifier of it.
const evaluated = {
  ...(values.model ? { name: values.model } : {}),
  device: values.device as Device,
  modelDir: values['model-dir'] ?? modelDirOf(values.model),
  headsDir: values['heads-dir'] ?? headsDirOf(values.model),
  ...(values.threads ? { intraOpThreads: Number(values.threads) } : {}),
};
const clf = createEncoderClassifier({ ...evaluated, maxQueue: 4096 });
const report: Record<string, unknown> = {};
await clf.init();
const jsonl = <T>(name: string): T[] | null => {
  const p = join(TRAIN, name);
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : null;
};

async function category() {
  const rows = jsonl<{ text: string; label: string; split: string }>('mmlu.jsonl')?.filter((r) => r.split === 'test');
  if (!rows) return console.log('category: skipped (run scripts/train/prep_mmlu.py)');
  const labels = [...new Set(rows.map((r) => r.label.replace(/ /g, '_')))].sort();
  const conf = labels.map(() => labels.map(() => 0));
  let ok = 0;
  // Reliability: per confidence bin, how often the label was right.
  const bins = Array.from({ length: 10 }, () => ({ n: 0, right: 0, conf: 0 }));
  for (const r of rows) {
    const c = (await clf.analyze(r.text)).category;
    const got = c.label;
    const t = labels.indexOf(r.label.replace(/ /g, '_'));
    const bin = bins[Math.min(9, Math.floor(c.confidence * 10))];
    bin.n++; bin.conf += c.confidence; bin.right += labels[t] === got ? 1 : 0;
    conf[t][labels.indexOf(got)]++;
    if (labels[t] === got) ok++;
    else errors.push({ task: 'category', text: r.text, label: labels[t], got });
  }
  report.category_accuracy = ok / rows.length;
  console.log(`\ncategory: MMLU-Pro test split (sha256(id)%10==0), n=${rows.length}, accuracy ${(ok / rows.length * 100).toFixed(1)}%`);
  console.log('confusion (rows true, cols predicted):');
  console.log(`${''.padEnd(17)}${labels.map((l) => l.slice(0, 5).padStart(6)).join('')}`);
  labels.forEach((l, i) => console.log(`${l.padEnd(17)}${conf[i].map((v) => String(v).padStart(6)).join('')}`));
  const ece = bins.reduce((e, b) => e + (b.n ? (b.n / rows.length) * Math.abs(b.right / b.n - b.conf / b.n) : 0), 0);
  report.category_ece = ece;
  console.log(`reliability (confidence bin: n, mean confidence, accuracy); ECE ${ece.toFixed(3)}`);
  bins.forEach((b, i) => b.n && console.log(`  ${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}: ${String(b.n).padStart(4)}  ${(b.conf / b.n).toFixed(3)}  ${(b.right / b.n).toFixed(3)}`));

  // The same test items cut to their question sentence (prep_mmlu.py short_form): closer to chat.
  const short = jsonl<{ text: string; label: string; split: string }>('mmlu_short.jsonl')?.filter((r) => r.split === 'test');
  if (!short) return;
  let right = 0;
  let unsure = 0;
  for (const r of short) {
    const c = (await clf.analyze(r.text)).category;
    if (c.label === r.label.replace(/ /g, '_')) right++;
    if (c.below_threshold) unsure++;
  }
  report.category_accuracy_question_sentences = right / short.length;
  console.log(`question sentences of the test items, n=${short.length}: accuracy ${(right / short.length * 100).toFixed(1)}%, below threshold ${(unsure / short.length * 100).toFixed(1)}%`);
}

// Chat-style prompts are not exam questions; the router sees both. Each set lists, per prompt, the
// categories a reasonable reader would accept; neither is used for training. A wrong label under
// the confidence threshold costs little (the policy falls back to the default model), a confident
// one sends the prompt to the wrong specialist, so both counts are reported.
async function chat() {
  const hand = evalFile<Array<{ prompt: string; accept: string[] }>>('chat-prompts.json');
  await chatSet('chat', 'chat prompts (scripts/eval/chat-prompts.json)', promptRows(hand), true);
  // Four per subject, asked as someone in a situation would ask (first person, a bit of context):
  // written on 2026-12-04, after every training choice, and scored once per encoder; held out.
  const situations = evalFile<Array<{ prompt: string; accept: string[] }>>('chat-prompts-situations.json');
  await chatSet('situations', 'chat prompts from situations (scripts/eval/chat-prompts-situations.json)', promptRows(situations), true);
  // Five per subject, written the same way to judge changes to the category head (docs/EVALUATION.md): a dev set.
  const situationsDev = evalFile<Array<{ prompt: string; accept: string[] }>>('chat-prompts-situations-dev.json');
  await chatSet('situations_dev', 'chat prompts from situations, dev (scripts/eval/chat-prompts-situations-dev.json)', promptRows(situationsDev), false);
  // Questions about one named thing (a product, a drug, a person, a law), and the same frames around
  // made-up names: a name the encoder cannot know should leave the head unsure, not send the prompt
  // to one specialist. Written for this check, never trained or tuned on.
  const named = evalFile<{ named: Array<{ prompt: string; accept: string[] }>; made_up: string[] }>('named-prompts.json');
  await chatSet('named', 'questions about one named thing (scripts/eval/named-prompts.json)', promptRows(named.named), false);
  await unsure('made_up', 'the same frames around made-up names', named.made_up, []);
  // Requests that no exam subject covers (writing, travel, cooking, small talk, chores): written for
  // this check before it was first run, never trained or tuned on. "other" or under the threshold
  // (the policy's default model) serves them; a confident subject sends them to a specialist.
  await unsure('general', 'requests for no specialist (scripts/eval/general-prompts.json)', evalFile<string[]>('general-prompts.json'), ['other']);
  // "How do I ...?" asked of chores and hobbies (30) and of a subject (18). A dev set: it chose the
  // how-to rows of prep_wordnet.py (docs/EVALUATION.md), so it is not held out.
  const howto = evalFile<Array<{ prompt: string; accept: string[] }>>('howto-prompts.json');
  await chatSet('howto_dev', 'how-to questions, dev (scripts/eval/howto-prompts.json)', promptRows(howto), false);
  // Programming requests as people type them (write, fix, explain, "How do I ...?", across languages
  // and tools). A dev set, written to judge what rows for everyday questions cost code
  // (docs/EVALUATION.md), so it is not held out.
  const code = evalFile<Array<{ prompt: string; accept: string[] }>>('code-prompts.json');
  await chatSet('code_dev', 'programming requests, dev (scripts/eval/code-prompts.json)', promptRows(code), false);
  const external = jsonl<{ text: string; accept: string[]; split: string }>('chat_external.jsonl');
  if (!external) console.log('\nchat, external: skipped (run scripts/train/prep_chat.py)');
  else for (const split of ['dev', 'test']) {
    await chatSet(`chat_external_${split}`, `chat prompts from chatterbot-corpus, ${split} half`, external.filter((r) => r.split === split), false);
  }
  // The programming FAQ questions the head may train on (prep_faq.py, which trains on them without
  // their opening "How do I"): their test split, whole, from the same source as the training rows,
  // so an in-register check rather than an independent one.
  const faq = jsonl<{ question: string; split: string }>('faq.jsonl')?.filter((r) => r.split === 'test');
  if (!faq) console.log('\nprogramming FAQ: skipped (run scripts/train/prep_faq.py)');
  else await chatSet('faq_test', 'programming FAQ questions (Perl, Python), test split', faq.map((r) => ({ text: r.question, accept: ['computer_science'] })), false);
  // WordNet's terms (prep_wordnet.py, which trains on "term: definition" and on the train and dev
  // nouns asked about in eight frames): the test split's nouns asked about bare, as chat prompts ask
  // about one term, in the first of those frames and in one that no training row uses. The frames
  // are this project's; the terms and their categories are WordNet's.
  const terms = jsonl<{ id: string; text: string; label: string; split: string }>('wordnet.jsonl')?.filter((r) => r.split === 'test' && r.id.endsWith('n'));
  if (!terms) return console.log('\nWordNet terms: skipped (run scripts/train/prep_wordnet.py)');
  for (const [key, frame] of [['wordnet_test', 'What is <term>?'], ['wordnet_test_unseen_frame', 'Could you give me an overview of <term>?']]) {
    await chatSet(key, `WordNet nouns, test split, as "${frame}"`,
      terms.map((r) => ({ text: frame.replace('<term>', r.text.slice(0, r.text.indexOf(': '))), accept: [r.label.replace(/ /g, '_')] })), false);
  }
}

/** A hand-written check set's prompts as the rows chatSet scores. */
function promptRows(prompts: Array<{ prompt: string; accept: string[] }>) {
  return prompts.map((r) => ({ text: r.prompt, accept: r.accept }));
}

/** A hand-written check set committed beside this script. */
function evalFile<T>(name: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'scripts', 'eval', name), 'utf8')) as T;
}

/** Prompts that no specialist should take: counts those at or over the threshold in a label not allowed. */
async function unsure(key: string, title: string, prompts: string[], allowed: string[]) {
  const sure = new Map<string, number>();
  for (const text of prompts) {
    const c = (await clf.analyze(text)).category;
    if (c.below_threshold || allowed.includes(c.label)) continue;
    sure.set(c.label, (sure.get(c.label) ?? 0) + 1);
    errors.push({ task: key, text, got: c.label, confidence: c.confidence });
  }
  const n = [...sure.values()].reduce((a, b) => a + b, 0);
  report[`${key}_confident`] = Object.fromEntries(sure);
  console.log(`\n${title}, n=${prompts.length}: at or over the threshold${allowed.length ? ` in another label than ${allowed.join(', ')}` : ''} ${n}` +
    (n ? ` (${[...sure].sort((a, b) => b[1] - a[1]).map(([l, k]) => `${l} ${k}`).join(', ')})` : ''));
}

async function chatSet(key: string, title: string, rows: Array<{ text: string; accept: string[] }>, listAll: boolean) {
  let ok = 0, rightSure = 0, wrongSure = 0;
  console.log(`\n${title}, n=${rows.length}${listAll ? ': label, confidence, below threshold' : ''}`);
  for (const r of rows) {
    const c = (await clf.analyze(r.text)).category;
    const good = r.accept.includes(c.label);
    if (good) ok++;
    else errors.push({ task: key, text: r.text, accept: r.accept, got: c.label, confidence: c.confidence });
    if (!c.below_threshold) good ? rightSure++ : wrongSure++;
    if (listAll) console.log(`${good ? ' ' : 'x'} ${r.text.slice(0, 58).padEnd(59)}${c.label.padEnd(17)}${c.confidence.toFixed(2)}${c.below_threshold ? ' (below)' : ''}`);
  }
  report[`${key}_accuracy`] = ok / rows.length;
  report[`${key}_confident`] = { right: rightSure, wrong: wrongSure };
  console.log(`in an accepted category: ${ok}/${rows.length}; at or over the threshold: ${rightSure} right, ${wrongSure} wrong`);
}

/**
 * Conversations, each scored alone and in context. Follow-ups name no subject ("Why?"): after a
 * first turn they should keep its subject, also when another follow-up came between them (a chain)
 * or when the conversation was about something else before the first turn (after a change of
 * subject). A topic switch is a second turn from another subject: the conversation should not pull
 * it back.
 */
async function context() {
  const followups = evalFile<{ dev: string[]; test: string[] }>('followups.json');
  const chatFile = (name: string) => promptRows(evalFile<Array<{ prompt: string; accept: string[] }>>(name));
  const external = jsonl<{ text: string; accept: string[]; split: string }>('chat_external.jsonl');
  const sets = {
    dev: [...chatFile('chat-prompts.json'), ...chatFile('chat-prompts-situations-dev.json')],
    test: [...chatFile('chat-prompts-situations.json'), ...(external?.filter((r) => r.split === 'test') ?? [])],
  };
  if (!external) console.log('\ncontext: the test conversations leave out chatterbot-corpus (run scripts/train/prep_chat.py)');
  type Tally = { accepted: number; right: number; wrong: number; n: number };
  for (const split of values['dev-only'] ? ['dev'] as const : ['dev', 'test'] as const) {
    const firsts = sets[split];
    const follow = followups[split];
    const shapes = ['follow-up', 'chain of follow-ups', 'follow-up after a change of subject', 'topic switch'] as const;
    const alone = new Map<string, Tally>(), inContext = new Map<string, Tally>();
    const add = (to: Map<string, Tally>, shape: string, c: { label: string; below_threshold: boolean }, accept: string[], text?: string) => {
      const t = to.get(shape) ?? { accepted: 0, right: 0, wrong: 0, n: 0 };
      to.set(shape, t);
      const good = accept.includes(c.label);
      t.n++;
      if (good) t.accepted++;
      if (!c.below_threshold) good ? t.right++ : t.wrong++;
      if (!good && !c.below_threshold && text) errors.push({ task: `context_${split}`, shape, text, accept, got: c.label });
    };
    // Another turn of the set, by a fixed stride, with no accepted category in common with `first`.
    const other = (i: number, j: number) => {
      for (let k = 0; k < firsts.length; k++) {
        const o = firsts[(i * 7 + j * 13 + k) % firsts.length];
        if (!o.accept.some((l) => firsts[i].accept.includes(l))) return o;
      }
      throw new Error('every turn shares a category');
    };
    const followAlone = new Map<string, { label: string; below_threshold: boolean }>();
    for (const f of follow) followAlone.set(f, (await clf.analyze(f)).category);
    for (const [i, first] of firsts.entries()) {
      for (const [j, f] of follow.entries()) {
        const conversations: Array<[string, string[]]> = [
          ['follow-up', [first.text]],
          ['chain of follow-ups', [first.text, follow[(j + 3) % follow.length]]],
          ['follow-up after a change of subject', [other(i, j).text, first.text]],
        ];
        for (const [shape, before] of conversations) {
          add(alone, shape, followAlone.get(f)!, first.accept);
          add(inContext, shape, (await clf.analyze(f, { context: before })).category, first.accept, `${before.join(' | ')} -> ${f}`);
        }
      }
      for (let j = 1; j <= 4; j++) {
        const next = other(i, j);
        add(alone, 'topic switch', (await clf.analyze(next.text)).category, next.accept);
        add(inContext, 'topic switch', (await clf.analyze(next.text, { context: [first.text] })).category, next.accept, `${first.text} -> ${next.text}`);
      }
    }
    report[`context_${split}`] = { alone: Object.fromEntries(alone), in_context: Object.fromEntries(inContext) };
    const cell = (t: Tally) => `${t.accepted}/${t.n}; ${t.right} / ${t.wrong}`;
    console.log(`\nconversations, ${split} (first turns: ${firsts.length}; follow-ups: scripts/eval/followups.json)`);
    console.log(`${'last turn'.padEnd(38)}${'alone: accepted; sure right / wrong'.padEnd(40)}in context: the same`);
    for (const shape of shapes) console.log(`${shape.padEnd(38)}${cell(alone.get(shape)!).padEnd(40)}${cell(inContext.get(shape)!)}`);
  }
}

async function jailbreak() {
  const rows = jsonl<{ text: string; label: number; split: string; src: string }>('jailbreak.jsonl')?.filter((r) => r.split === 'test');
  if (!rows) return console.log('jailbreak: skipped (run scripts/train/prep_jailbreak.py)');
  let tp = 0, fn = 0, fp = 0, tn = 0;
  for (const r of rows) {
    const hit = (await clf.analyze(r.text)).jailbreak.label === 'jailbreak';
    if (r.label === 1) hit ? tp++ : fn++; else hit ? fp++ : tn++;
  }
  report.jailbreak = { recall: tp / (tp + fn), fpr: fp / (fp + tn) };
  console.log(`\njailbreak: PyRIT templates (positives, n=${tp + fn}) + held-out benign (n=${fp + tn}): recall ${(tp / (tp + fn) * 100).toFixed(1)}%, FPR ${(fp / (fp + tn) * 100).toFixed(2)}%`);
  // Exam questions and templates are not what users type, and the default policy blocks what the
  // head flags, so a false alarm on chat is a refused request. Everyday prompts: the hand-written
  // category sets, which showed the problem and judged its fix (dev); chatterbot-corpus opening
  // lines, seen once before the fix and never used for a choice; and a set written for this check
  // and first scored after the fix was chosen (docs/EVALUATION.md): benign prompts in the words of
  // attacks ("pretend", "ignore", "you are", "override") beside direct attacks, a second source of
  // positives.
  const named = evalFile<{ named: Array<{ prompt: string }>; made_up: string[] }>('named-prompts.json');
  const everyday = [
    ...['chat', 'howto', 'code'].flatMap((n) => evalFile<Array<{ prompt: string }>>(`${n}-prompts.json`).map((r) => r.prompt)),
    ...named.named.map((r) => r.prompt), ...named.made_up, ...evalFile<string[]>('general-prompts.json'),
  ];
  await flagged('jailbreak_everyday_dev', 'everyday prompts, dev (scripts/eval/*-prompts.json)', everyday);
  // Instructions about the reply, role play, games and questions about prompts, beside attacks in
  // the same words: written to choose the training rows of that register on (dev).
  const dev = evalFile<{ benign: string[]; attack: string[] }>('jailbreak-dev.json');
  await flagged('jailbreak_dev_benign', 'instructions, role play and games, dev (scripts/eval/jailbreak-dev.json)', dev.benign);
  await flagged('jailbreak_dev_attack', 'attacks in the same words, dev (scripts/eval/jailbreak-dev.json)', dev.attack, 'jailbreak');
  const external = jsonl<{ text: string }>('chat_external.jsonl');
  if (external) await flagged('jailbreak_chat_external', 'chat prompts from chatterbot-corpus', external.map((r) => r.text));
  const held = evalFile<{ benign: string[]; attack: string[] }>('jailbreak-chat.json');
  await flagged('jailbreak_chat_benign', 'benign prompts in the words of attacks (scripts/eval/jailbreak-chat.json)', held.benign);
  await flagged('jailbreak_chat_attack', 'direct attacks as typed in chat (scripts/eval/jailbreak-chat.json)', held.attack, 'jailbreak');
  // Role play and changes of instruction only, written later, before a head trained on such rows
  // was scored (docs/EVALUATION.md).
  await flagged('jailbreak_roleplay', 'role play and changed instructions (scripts/eval/jailbreak-roleplay.json)', evalFile<string[]>('jailbreak-roleplay.json'));
}

/** Counts the prompts the jailbreak head flags; those it gets wrong go to --errors. */
async function flagged(key: string, title: string, prompts: string[], expect: 'benign' | 'jailbreak' = 'benign') {
  let n = 0;
  for (const text of prompts) {
    const j = (await clf.analyze(text)).jailbreak;
    if (j.label === 'jailbreak') n++;
    if (j.label !== expect) errors.push({ task: key, text, got: j.label, score: j.score });
  }
  report[key] = { flagged: n, n: prompts.length };
  console.log(`${title}: flagged ${n} of ${prompts.length}`);
}

async function pii() {
  type Span = { type: string; start: number; end: number };
  type Row = { text: string; spans: Span[]; ignore: Array<{ start: number; end: number }>; split: string };
  const rows = jsonl<Row>('pii_test.jsonl');
  if (!rows) return console.log('pii: skipped (run scripts/train/prep_pii.py)');
  type Counts = { tp: number; fp: number; fn: number };
  const per = new Map<string, Map<string, Counts>>();
  const at = (split: string, t: string) => {
    const m = per.get(split) ?? (per.set(split, new Map()), per.get(split)!);
    return m.get(t) ?? (m.set(t, { tp: 0, fp: 0, fn: 0 }), m.get(t)!);
  };
  for (const r of rows) {
    // A detection on a value of a type outside the scored set is not counted either way, unless it
    // also covers a scored value ("Denmark 1163": the country is scored, the postcode is not).
    const got = (await clf.analyze(r.text)).pii.entities.filter((e) => !r.ignore.some((i) => overlaps(i, e)) || r.spans.some((g) => overlaps(g, e)));
    const used = new Set<number>();
    const missed: Span[] = [];
    for (const g of r.spans) {
      const k = got.findIndex((e, i) => !used.has(i) && e.type === g.type && overlaps(e, g));
      for (const split of [r.split, 'all']) k >= 0 ? at(split, g.type).tp++ : at(split, g.type).fn++;
      if (k >= 0) used.add(k); else missed.push(g);
    }
    const spurious = got.filter((_, i) => !used.has(i));
    for (const e of spurious) for (const split of [r.split, 'all']) at(split, e.type).fp++;
    if (missed.length || spurious.length) {
      errors.push({ task: 'pii', split: r.split, text: r.text,
        missed: missed.map((g) => `${g.type}:${r.text.slice(g.start, g.end)}`), spurious: spurious.map((e) => `${e.type}:${e.text}`) });
    }
  }
  const f1 = (c: Counts) => {
    const p = c.tp / (c.tp + c.fp || 1), rc = c.tp / (c.tp + c.fn || 1);
    return { p, rc, f1: 2 * p * rc / (p + rc || 1) };
  };
  const piiReport: Record<string, unknown> = {};
  report.pii = piiReport;
  console.log('\npii: presidio-evaluator templates + FakeNameGenerator values (unseen in training), entity match = same type + overlap');
  console.log('(templates split by sha256(template) % 2: "test" is the held-out figure, "dev" was used for error analysis)');
  for (const split of ['test', 'dev', 'all']) {
    const m = per.get(split);
    if (!m) continue;
    console.log(`\n[${split}] ${'type'.padEnd(15)}${'prec'.padStart(7)}${'recall'.padStart(8)}${'F1'.padStart(7)}${'support'.padStart(9)}`);
    const all = { tp: 0, fp: 0, fn: 0 };
    for (const [t, c] of [...m].sort()) {
      all.tp += c.tp; all.fp += c.fp; all.fn += c.fn;
      const { p, rc, f1: f } = f1(c);
      console.log(`${''.padEnd(split.length + 3)}${t.padEnd(15)}${p.toFixed(3).padStart(7)}${rc.toFixed(3).padStart(8)}${f.toFixed(3).padStart(7)}${String(c.tp + c.fn).padStart(9)}`);
    }
    const { p, rc, f1: f } = f1(all);
    piiReport[split] = { precision: p, recall: rc, f1: f };
    console.log(`${''.padEnd(split.length + 3)}${'micro'.padEnd(15)}${p.toFixed(3).padStart(7)}${rc.toFixed(3).padStart(8)}${f.toFixed(3).padStart(7)}${String(all.tp + all.fn).padStart(9)}`);
  }
  // Programming requests name languages and tools, not people or places; a PERSON or LOCATION there
  // moves the prompt off a model that may not receive PII (models[].pii_allowed).
  const code = evalFile<Array<{ prompt: string }>>('code-prompts.json').map((r) => r.prompt);
  await namesIn('pii_code_dev', 'programming requests, dev (scripts/eval/code-prompts.json)', code);
  const coding = jsonl<{ text: string; topic: string }>('chat_external.jsonl')?.filter((r) => r.topic === 'coding');
  if (coding) await namesIn('pii_code_external', 'programming requests from chatterbot-corpus', coding.map((r) => r.text));
}

/** Counts the prompts in which the PII detectors find a PERSON or a LOCATION; each goes to --errors. */
async function namesIn(key: string, title: string, prompts: string[]) {
  let n = 0;
  for (const text of prompts) {
    const found = (await clf.analyze(text)).pii.entities.filter((e) => e.type === 'PERSON' || e.type === 'LOCATION');
    if (found.length === 0) continue;
    n++;
    errors.push({ task: key, text, spurious: found.map((e) => `${e.type}:${e.text}`) });
  }
  report[key] = { with_names: n, n: prompts.length };
  console.log(`${title}: a PERSON or LOCATION in ${n} of ${prompts.length}`);
}

const pct = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

// Operators' custom categories (prep_chat.py chat_topics: six chatterbot topics that no exam subject
// covers, five example prompts each) at the encoder's default threshold (models/heads/<encoder>/custom.json,
// chosen on the dev rows): how many test prompts their category claims, and how many exam question
// sentences of the test items any of them claims, which would send those to an operator's model.
async function custom() {
  const rows = jsonl<{ text: string; topic: string; split: string }>('chat_topics.jsonl');
  const short = jsonl<{ text: string; split: string }>('mmlu_short.jsonl')?.filter((r) => r.split === 'test');
  if (!rows || !short) return console.log('\ncustom categories: skipped (run scripts/train/prep_chat.py and prep_mmlu.py)');
  const topics = [...new Set(rows.map((r) => r.topic))];
  const customCategories = topics.map((name) => ({ name, examples: rows.filter((r) => r.topic === name && r.split === 'examples').map((r) => r.text) }));
  const withCustom = createEncoderClassifier({ ...evaluated, customCategories });
  await withCustom.init();
  try {
    let right = 0, claimed = 0, falseClaims = 0;
    const test = rows.filter((r) => r.split === 'test');
    for (const r of test) {
      const c = (await withCustom.analyze(r.text)).category;
      if (c.source !== 'custom') continue;
      claimed++;
      if (c.label === r.topic) right++;
      else errors.push({ task: 'custom', text: r.text, topic: r.topic, got: c.label });
    }
    for (const r of short) if ((await withCustom.analyze(r.text)).category.source === 'custom') falseClaims++;
    report.custom = { right, claimed, n: test.length, false_claims: falseClaims, exam_sentences: short.length };
    const examples = [...new Set(customCategories.map((c) => c.examples.length))].join(' or ');
    console.log(`\ncustom categories (${topics.length} chatterbot topics, ${examples} examples each, the encoder's default threshold), test n=${test.length}: ` +
      `${right} claimed by their category, ${claimed - right} by another; exam question sentences claimed: ${falseClaims}/${short.length}`);
  } finally {
    await withCustom.close();
  }
}

async function latency() {
  const n = Number(values.requests);
  const word = (i: number) => ['market', 'energy', 'protein', 'theorem', 'contract', 'signal', 'river', 'budget'][i % 8];
  // Texts of exactly N word pieces (each word is one vocabulary entry), varied so no cache effects.
  const text = (tokens: number, seed: number) => Array.from({ length: tokens - 2 }, (_, i) => word(i * 7 + seed)).join(' ');
  const rowsOut: object[] = [];
  report.latency = rowsOut;
  console.log(`\nlatency: ${clf.provider} provider, ${n} requests per row, end-to-end analyze() incl. tokenizer and heads`);
  console.log(`${'tokens'.padEnd(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'c=16 req/s'.padStart(12)}${'c=16 p50'.padStart(10)}${'c=16 p99'.padStart(10)}`);
  for (const tokens of [16, 64, 256]) {
    for (let i = 0; i < 10; i++) await clf.analyze(text(tokens, i)); // warm-up
    const serial: number[] = [];
    for (let i = 0; i < n; i++) { const t = performance.now(); await clf.analyze(text(tokens, i)); serial.push(performance.now() - t); }
    const conc: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < n) { const i = next++; const t = performance.now(); await clf.analyze(text(tokens, i)); conc.push(performance.now() - t); }
    }));
    const rps = n / ((performance.now() - t0) / 1000);
    rowsOut.push({ tokens, p50: pct(serial, 0.5), p99: pct(serial, 0.99), c16_rps: rps, c16_p50: pct(conc, 0.5), c16_p99: pct(conc, 0.99) });
    console.log(`${String(tokens).padEnd(8)}${pct(serial, 0.5).toFixed(1).padStart(9)}${pct(serial, 0.99).toFixed(1).padStart(9)}${rps.toFixed(1).padStart(12)}${pct(conc, 0.5).toFixed(1).padStart(10)}${pct(conc, 0.99).toFixed(1).padStart(10)}`);
  }
  // A follow-up that is unclear alone, read alone and after an earlier message of 16 and of 64 word
  // pieces (the second encoder pass of docs/classification.md, Conversations), and after a long one
  // and a short one (a third pass: is the short one clear by itself?), interleaved.
  const followUp = 'Can you explain that more simply?';
  const cases: Array<[string, ((i: number) => string[]) | undefined]> = [['alone', undefined], ['after 16 tokens', (i) => [text(16, i)]],
    ['after 64 tokens', (i) => [text(64, i)]], ['after 64 and "Why?"', (i) => [text(64, i), 'Why?']]];
  const times = cases.map(() => [] as number[]);
  let readAgain = 0;
  for (let i = 0; i < n + 10; i++) {
    for (const [k, [, context]] of cases.entries()) {
      const t = performance.now();
      const r = await clf.analyze(followUp, context === undefined ? {} : { context: context(i) });
      if (i >= 10) times[k].push(performance.now() - t);
      if (i >= 10 && r.timings_ms.context !== undefined) readAgain++;
    }
  }
  report.latency_context = cases.map(([name], k) => ({ case: name, p50: pct(times[k], 0.5), p99: pct(times[k], 0.99) }));
  console.log(`\na follow-up (${n} each, interleaved; read again in context ${readAgain} of ${(cases.length - 1) * n} times)`);
  for (const [k, [name]] of cases.entries()) console.log(`${name.padEnd(20)}${pct(times[k], 0.5).toFixed(1).padStart(9)}${pct(times[k], 0.99).toFixed(1).padStart(9)}`);
  // Peak as well as the end: a burst is what a container's memory limit has to hold.
  report.rss_mib = process.memoryUsage().rss / 2 ** 20;
  report.peak_rss_mib = process.resourceUsage().maxRSS / 1024;
  console.log(`RSS after the runs: ${(report.rss_mib as number).toFixed(0)} MiB, peak ${(report.peak_rss_mib as number).toFixed(0)} MiB`);
}

if (only.includes('category')) await category();
if (only.includes('chat')) await chat();
if (only.includes('jailbreak')) await jailbreak();
if (only.includes('pii')) await pii();
if (only.includes('context')) await context();
if (only.includes('custom')) await custom();
if (only.includes('latency')) await latency();
await clf.close();
/** Writes a report file, making its folder: a run of minutes should not end on a missing one. */
function writeReport(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
if (values.json) writeReport(values.json, JSON.stringify(report));
if (values.errors) writeReport(values.errors, errors.map((e) => JSON.stringify(e)).join('\n') + '\n');
