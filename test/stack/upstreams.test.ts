import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../../controlplane/config/load.ts';
import { findCaBundle, resolveUpstreams } from '../../stack/upstreams.ts';

const config = validateConfig(
  {
    version: 1,
    default_model: 'general',
    models: [
      { name: 'general', backend: { type: 'demo' } },
      { name: 'gpt', backend: { type: 'openai', base_url: 'https://llm.example/v1', api_key_env: 'TEST_LLM_KEY' } },
    ],
  },
  'test',
);

describe('resolveUpstreams', () => {
  it('maps demo models to their demo LLM ports and providers to URL, key and CA bundle', () => {
    const ca = findCaBundle();
    const { models, caBundlePath } = resolveUpstreams(config, new Map([['general', 9001]]), { TEST_LLM_KEY: 'sk-1', SSL_CERT_FILE: ca });
    assert.deepEqual(models, [
      { name: 'general', upstream: { kind: 'local', port: 9001 } },
      { name: 'gpt', upstream: { kind: 'external', baseUrl: 'https://llm.example/v1', apiKey: 'sk-1' } },
    ]);
    assert.equal(caBundlePath, ca);
  });

  it('names the model and the variable when the API key is not set', () => {
    assert.throws(() => resolveUpstreams(config, new Map([['general', 9001]]), {}), /model gpt: environment variable TEST_LLM_KEY \(its api_key_env\) is not set/);
  });

  it('says which SSL_CERT_FILE is missing', () => {
    assert.throws(() => findCaBundle({ SSL_CERT_FILE: '/nonexistent/ca.pem' }), /SSL_CERT_FILE points to \/nonexistent\/ca.pem, which does not exist/);
  });
});
