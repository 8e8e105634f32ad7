import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, validateConfig } from '../../controlplane/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));

function writeTemp(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function valid(): Record<string, any> {
  return {
    version: 1,
    trigger_models: ['auto', 'MoM'],
    default_model: 'general',
    models: [
      { name: 'math-model', backend: { type: 'demo' } },
      { name: 'general', backend: { type: 'demo' } },
      { name: 'gpt-4o-mini', backend: { type: 'openai', base_url: 'https://api.example/v1', api_key_env: 'OPENAI_API_KEY' } },
    ],
    categories: [
      { name: 'math', model: 'math-model', keywords: ['derivative'], patterns: ['\\b\\d+\\s*[+*/-]\\s*\\d+\\b'] },
      { name: 'code', model: 'general', keywords: ['python'] },
      { name: 'chat', model: 'gpt-4o-mini', keywords: ['hello'] },
    ],
  };
}

/** The problems reported for `valid()` after `mutate` changed it. */
function problemsAfter(mutate: (c: Record<string, any>) => void): readonly string[] {
  const raw = valid();
  mutate(raw);
  try {
    validateConfig(raw, 'test.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected the config to be refused');
}

describe('config loading', () => {
  it('loads the shipped default config, typed and deeply frozen', () => {
    const config = loadConfig(DEFAULT_CONFIG_PATH);
    assert.equal(config.version, 1);
    assert.ok(config.models.some((m) => m.name === config.default_model));
    assert.ok(config.categories.some((c) => c.name === 'math'));
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.models[0].backend) && Object.isFrozen(config.categories[0].keywords));
    assert.throws(() => (config.models as unknown[]).push({}), TypeError);
  });

  it('loads YAML and JSON by extension to the same config', () => {
    const json = loadConfig(writeTemp('c.json', JSON.stringify(valid())));
    const yaml = loadConfig(
      writeTemp(
        'c.yml',
        `version: 1
trigger_models: [auto, MoM]
default_model: general
models:
  - { name: math-model, backend: { type: demo } }
  - { name: general, backend: { type: demo } }
  - name: gpt-4o-mini
    backend: { type: openai, base_url: "https://api.example/v1", api_key_env: OPENAI_API_KEY }
categories:
  - { name: math, model: math-model, keywords: [derivative], patterns: ["\\\\b\\\\d+\\\\s*[+*/-]\\\\s*\\\\d+\\\\b"] }
  - { name: code, model: general, keywords: [python] }
  - { name: chat, model: gpt-4o-mini, keywords: [hello] }
`,
      ),
    );
    assert.deepEqual(yaml, json);
    assert.deepEqual(json.models[2], valid().models[2]);
  });

  it('defaults trigger_models and categories', () => {
    const config = validateConfig({ version: 1, default_model: 'a', models: [{ name: 'a', backend: { type: 'demo' } }] }, 'x');
    assert.deepEqual(config.trigger_models, ['auto', 'MoM']);
    assert.deepEqual(config.categories, []);
  });

  it('names the path of a missing file', () => {
    const path = join(dir, 'missing.yaml');
    assert.throws(() => loadConfig(path), (err: Error) => err instanceof ConfigError && err.message.includes(path) && err.message.includes('file not found'));
  });

  it('refuses an unknown extension', () => {
    const path = writeTemp('c.toml', 'version = 1');
    assert.throws(() => loadConfig(path), /unsupported file extension "\.toml" \(expected \.yaml, \.yml or \.json\)/);
  });

  it('reports YAML and JSON syntax errors with the file path', () => {
    const yamlPath = writeTemp('bad.yaml', 'version: 1\nmodels: [\n');
    assert.throws(() => loadConfig(yamlPath), (err: Error) => err.message.includes(yamlPath) && /invalid YAML/.test(err.message));
    const dupPath = writeTemp('dup.yaml', 'version: 1\nversion: 1\n');
    assert.throws(() => loadConfig(dupPath), /invalid YAML: Map keys must be unique/);
    const jsonPath = writeTemp('bad.json', '{"version": 1,');
    assert.throws(() => loadConfig(jsonPath), (err: Error) => err.message.includes(jsonPath) && /invalid JSON/.test(err.message));
  });

  it('reports every problem of a document at once', () => {
    const problems = problemsAfter((c) => {
      c.version = 2;
      c.default_model = 'nope';
    });
    assert.deepEqual(problems, ['version: unsupported version 2 (expected 1)', 'default_model: unknown model "nope"']);
  });
});

describe('config validation messages', () => {
  const cases: [string, (c: Record<string, any>) => void, string][] = [
    
    ['unknown top-level field', (c) => (c.defaults = 1), 'defaults: unknown field'],
    ['typo in a model field', (c) => (c.models[0].bakend = 1), 'models[0].bakend: unknown field (did you mean "backend"?)'],
    ['missing version', (c) => delete c.version, 'version: missing required field'],
    ['wrong version', (c) => (c.version = '1'), 'version: unsupported version "1" (expected 1)'],
    ['models not a list', (c) => (c.models = 'a'), 'models: expected a list, got string'],
    ['empty models', (c) => (c.models = []), 'models: must list at least one model'],
    ['model not a mapping', (c) => (c.models[1] = 'general'), 'models[1]: expected a mapping, got string'],
    ['model name missing', (c) => delete c.models[0].name, 'models[0].name: missing required field'],
    ['model name wrong type', (c) => (c.models[0].name = 7), 'models[0].name: expected a string, got integer'],
    ['model name with a space', (c) => (c.models[0].name = 'math model'), 'models[0].name: invalid name "math model" (allowed: letters, digits and . _ : / @ -, starting with a letter or digit, at most 128 characters)'],
    ['duplicate model', (c) => c.models.push({ name: 'general', backend: { type: 'demo' } }), 'models[3].name: duplicate model "general" (first at models[1].name)'],
    ['backend missing', (c) => delete c.models[0].backend, 'models[0].backend: missing required field'],
    ['backend wrong type', (c) => (c.models[0].backend = 'demo'), 'models[0].backend: expected a mapping, got string'],
    ['unknown backend type', (c) => (c.models[0].backend = { type: 'vllm' }), 'models[0].backend.type: unknown backend type "vllm" (expected demo or openai)'],
    ['field of another backend type', (c) => (c.models[0].backend.base_url = 'http://x'), 'models[0].backend.base_url: unknown field'],
    ['openai without base_url', (c) => delete c.models[2].backend.base_url, 'models[2].backend.base_url: missing required field'],
    ['openai with a non-http URL', (c) => (c.models[2].backend.base_url = 'ftp://x'), 'models[2].backend.base_url: expected an http(s) URL, got "ftp://x"'],
    ['invalid api_key_env', (c) => (c.models[2].backend.api_key_env = 'sk-123'), 'models[2].backend.api_key_env: invalid environment variable name "sk-123"'],
    ['default_model missing', (c) => delete c.default_model, 'default_model: missing required field'],
    ['default_model wrong type', (c) => (c.default_model = ['general']), 'default_model: expected a string, got array'],
    ['default_model unknown', (c) => (c.default_model = 'foo'), 'default_model: unknown model "foo"'],
    ['trigger_models wrong type', (c) => (c.trigger_models = 'auto'), 'trigger_models: expected an array of strings, got string'],
    ['trigger_models element wrong type', (c) => (c.trigger_models[1] = 3), 'trigger_models[1]: expected a string, got integer'],
    ['trigger_models empty', (c) => (c.trigger_models = []), 'trigger_models: must list at least one model name'],
    ['trigger that is a model', (c) => c.trigger_models.push('general'), 'trigger_models[2]: "general" is also a model name'],
    ['duplicate trigger', (c) => c.trigger_models.push('auto'), 'trigger_models[2]: duplicate trigger model "auto" (first at trigger_models[0])'],
    ['categories not a list', (c) => (c.categories = {}), 'categories: expected a list, got object'],
    ['category model unknown', (c) => (c.categories[2].model = 'foo'), 'categories[2].model: unknown model "foo"'],
    ['category model missing', (c) => delete c.categories[1].model, 'categories[1].model: missing required field (or list ranked models under models)'],
    ['category unknown field', (c) => (c.categories[0].keyword = ['x']), 'categories[0].keyword: unknown field (did you mean "keywords"?)'],
    ['duplicate category', (c) => (c.categories[2].name = 'math'), 'categories[2].name: duplicate category "math" (first at categories[0].name)'],
    ['reserved category name', (c) => (c.categories[1].name = 'none'), 'categories[1].name: "none" is reserved for requests matching no category'],
    ['keywords wrong type', (c) => (c.categories[0].keywords = 'derivative'), 'categories[0].keywords: expected an array of strings, got string'],
    ['empty keyword', (c) => c.categories[0].keywords.push('  '), 'categories[0].keywords[1]: must not be empty'],
    ['pattern wrong type', (c) => (c.categories[0].patterns = [1]), 'categories[0].patterns[0]: expected a string, got integer'],
    ['invalid regex', (c) => c.categories[0].patterns.push('(unclosed'), 'categories[0].patterns[1]: Invalid regular expression: /(unclosed/iu: Unterminated group'],
    ['regex matching everything', (c) => (c.categories[1].patterns = ['x*']), 'categories[1].patterns[0]: pattern "x*" matches the empty string, so it would match every prompt'],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => assert.deepEqual(problemsAfter(mutate), [expected]));
  }

  it('reports each missing top-level field of an empty document', () => {
    assert.deepEqual(problemsAfter((c) => Object.keys(c).forEach((k) => delete c[k])), [
      'version: missing required field',
      'models: missing required field',
      'default_model: missing required field',
    ]);
  });

  it('reports a broken model without follow-on errors for references to it', () => {
    assert.deepEqual(problemsAfter((c) => delete c.models[0].backend), ['models[0].backend: missing required field']);
    assert.deepEqual(problemsAfter((c) => (c.models[0].name = 7)), ['models[0].name: expected a string, got integer']);
  });

  it('refuses a document that is not a mapping', () => {
    assert.throws(() => validateConfig([1], 'list.yaml'), /invalid config list\.yaml:\n {2}\(root\): expected a mapping, got array/);
  });
});

describe('inference and classifier sections', () => {
  it('default to the encoder on CPU when absent', () => {
    const config = validateConfig(valid(), 'test.yaml');
    assert.deepEqual(config.inference, { device: 'cpu' });
    assert.deepEqual(config.classifier, { encoder: true, custom_categories: [] });
  });

  it('accept every field within its range', () => {
    const config = validateConfig(
      {
        ...valid(),
        inference: { device: 'auto', model: 'all-minilm-l6-v2-q', model_dir: 'models/bge', intra_op_threads: 2, max_batch_size: 256, max_wait_ms: 0.5, max_queue: 1 },
        classifier: {
          encoder: false,
          category_threshold: 0,
          jailbreak_threshold: 1,
          custom_categories: [{ name: 'chat', examples: ['hi there', 'good morning'], threshold: 0.8 }],
        },
      },
      'test.yaml',
    );
    assert.equal(config.inference.max_wait_ms, 0.5);
    assert.equal(config.inference.model, 'all-minilm-l6-v2-q');
    assert.deepEqual(config.classifier.custom_categories, [{ name: 'chat', examples: ['hi there', 'good morning'], threshold: 0.8 }]);
  });

  it('allow the encoder head labels (snake_case) as category names', () => {
    const config = validateConfig({ ...valid(), categories: [{ name: 'computer_science', model: 'general' }] }, 'test.yaml');
    assert.equal(config.categories[0].name, 'computer_science');
  });

  it('report every bad inference field by path', () => {
    assert.deepEqual(
      problemsAfter((c) => {
        c.inference = { device: 'tpu', model: 'bert-large', model_dir: '', intra_op_threads: 0, max_batch_size: 257, max_wait_ms: 'soon', max_queue: 1.5, devise: 'cpu' };
      }),
      [
        'inference.devise: unknown field (did you mean "device"?)',
        'inference.device: unknown device "tpu" (expected cpu, cuda, auto)',
        'inference.model: unknown encoder "bert-large" (expected all-minilm-l6-v2-q, all-minilm-l6-v2-q-3-layers, all-minilm-l6-v2-q-3-tuned, bge-small-en-v1.5-q)',
        'inference.model_dir: must not be empty',
        'inference.intra_op_threads: expected an integer at least 1, got 0',
        'inference.max_batch_size: expected an integer between 1 and 256, got 257',
        'inference.max_wait_ms: expected a number, got string',
        'inference.max_queue: expected an integer, got number',
      ],
    );
    assert.deepEqual(problemsAfter((c) => (c.inference = 'cpu')), ['inference: expected a mapping, got string']);
  });

  it('report every bad classifier field by path', () => {
    assert.deepEqual(
      problemsAfter((c) => {
        c.classifier = {
          encoder: 'yes',
          category_threshold: 1.5,
          jailbreak_threshold: -0.1,
          custom_categories: [
            { name: 'nope', examples: [] },
            { name: 'chat', examples: ['hi', ''], threshold: 2, model: 'general' },
            { name: 'chat', examples: 'hello' },
            'chat',
          ],
        };
      }),
      [
        'classifier.encoder: expected a boolean, got string',
        'classifier.category_threshold: expected a number between 0 and 1, got 1.5',
        'classifier.jailbreak_threshold: expected a number between 0 and 1, got -0.1',
        'classifier.custom_categories[3]: expected a mapping, got string',
        'classifier.custom_categories[0].name: unknown category "nope" (add it under categories with the model it routes to)',
        'classifier.custom_categories[0].examples: must list at least one example',
        'classifier.custom_categories[1].model: unknown field',
        'classifier.custom_categories[1].examples[1]: must not be empty',
        'classifier.custom_categories[1].threshold: expected a number between 0 and 1, got 2',
        'classifier.custom_categories[2].examples: expected an array of strings, got string',
        'classifier.custom_categories[2].name: duplicate custom category "chat" (first at classifier.custom_categories[1].name)',
      ],
    );
  });
});
