// Turning the routing config's model backends into what the bootstrap needs: a loopback port for
// demo models, a base URL, API key and CA bundle for external providers.

import { existsSync } from 'node:fs';
import type { Config, ModelConfig } from '../controlplane/config/load.ts';
import type { BootstrapModel } from './bootstrap.ts';

// Where the common OS families keep the system CA bundle (Debian/Ubuntu/Alpine, Fedora/RHEL,
// openSUSE, macOS via Homebrew's OpenSSL); SSL_CERT_FILE, OpenSSL's own override, comes first.
const CA_BUNDLE_CANDIDATES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export function findCaBundle(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : CA_BUNDLE_CANDIDATES;
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  throw new UpstreamError(
    env.SSL_CERT_FILE
      ? `SSL_CERT_FILE points to ${env.SSL_CERT_FILE}, which does not exist`
      : `no system CA bundle found (looked for ${CA_BUNDLE_CANDIDATES.join(', ')}); set SSL_CERT_FILE to a PEM bundle`,
  );
}

export function demoModels(config: Config): string[] {
  return config.models.filter((m) => m.backend.type === 'demo').map((m) => m.name);
}

function upstreamOf(model: ModelConfig, demoPorts: ReadonlyMap<string, number>, env: NodeJS.ProcessEnv): BootstrapModel {
  const { backend } = model;
  if (backend.type === 'demo') {
    const port = demoPorts.get(model.name);
    if (port === undefined) throw new UpstreamError(`model ${model.name}: no demo LLM is running for it`);
    return { name: model.name, upstream: { kind: 'local', port } };
  }
  let apiKey: string | undefined;
  if (backend.api_key_env !== undefined) {
    apiKey = env[backend.api_key_env];
    // Starting anyway would only turn every request to this model into a provider 401.
    if (!apiKey) throw new UpstreamError(`model ${model.name}: environment variable ${backend.api_key_env} (its api_key_env) is not set`);
  }
  return { name: model.name, upstream: { kind: 'external', baseUrl: backend.base_url, apiKey } };
}

/** Bootstrap models for every configured model, plus the CA bundle when an https provider is among them. */
export function resolveUpstreams(config: Config, demoPorts: ReadonlyMap<string, number>, env: NodeJS.ProcessEnv = process.env) {
  const models = config.models.map((m) => upstreamOf(m, demoPorts, env));
  const needsTls = config.models.some((m) => m.backend.type === 'openai' && new URL(m.backend.base_url).protocol === 'https:');
  return { models, caBundlePath: needsTls ? findCaBundle(env) : undefined };
}
