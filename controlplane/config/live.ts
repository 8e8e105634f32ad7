// The config in effect, and the only way to change it. A change is validated, built (rules compiled,
// decision engine created) and committed to the store before one assignment swaps it in, so a
// request that read current() decides wholly under the old config or wholly under the new one.
// Changes arrive from the config API of this replica or, through the store's watch, of another.

import type { DecisionEngine } from '../decide.ts';
import { ConfigError, validateConfig, type Config } from './schema.ts';
import { VersionConflictError, type ConfigStore, type ConfigVersion } from './store/types.ts';

export interface ActiveConfig {
  readonly config: Config;
  /** The document as written (JSON data); what GET /v1/config returns. */
  readonly document: unknown;
  readonly version: number;
  readonly updated_at: string;
  readonly decide: DecisionEngine;
}

/** Where a change came from, for logs and metrics. */
export type ChangeSource = 'startup' | 'api' | 'store';

// Sections read once when the classifier is built: the encoder's session, threads and batching
// (inference) and what was computed from the classifier section (custom-category centroids,
// thresholds) cannot be swapped under running requests.
const RESTART_SECTIONS = ['inference', 'classifier'] as const;

export interface LiveConfigOptions {
  readonly store: ConfigStore;
  /** Builds the decision engine of a validated config. */
  readonly build: (config: Config) => DecisionEngine;
  readonly onChange?: (active: ActiveConfig, source: ChangeSource) => void;
  readonly log?: (message: string) => void;
}

export interface LiveConfig {
  current(): ActiveConfig;
  /** Validates without applying: ConfigError listing every problem, restart-only changes included. */
  check(document: unknown, source: string): Config;
  /**
   * Applies a document as the next version. `ifMatch`: the version the writer last saw; a stale one
   * throws VersionConflictError. Throws ConfigError for an invalid document.
   */
  apply(document: unknown, ifMatch?: number): Promise<ActiveConfig>;
  /** Applies the document of an earlier version as a new version. Throws UnknownVersionError. */
  rollback(version: number, ifMatch?: number): Promise<ActiveConfig>;
  history(): Promise<readonly ConfigVersion[]>;
  close(): Promise<void>;
}

export class UnknownVersionError extends Error {
  constructor(readonly version: number) {
    super(`config version ${version} is not in the history (GET /v1/config/history lists the versions kept)`);
    this.name = 'UnknownVersionError';
  }
}

/**
 * Starts from the store's newest version, or seeds an empty store with `seed` (the --config file)
 * as version 1. Throws ConfigError when the stored version is invalid.
 */
export async function createLiveConfig(seed: { document: unknown; config: Config }, options: LiveConfigOptions): Promise<LiveConfig> {
  const { store, build, onChange = () => {}, log = (m: string) => console.error(m) } = options;
  const stored = (await store.current()) ?? (await store.commit(seed.document, 0));
  const startConfig = validateConfig(stored.document, `${store.description} version ${stored.version}`);
  let active = activate(startConfig, stored);
  onChange(active, 'startup');
  // Writes of this replica run one at a time; the store's compare-and-swap orders them with others.
  let writes: Promise<unknown> = Promise.resolve();

  function activate(config: Config, version: ConfigVersion): ActiveConfig {
    return { config, document: version.document, version: version.version, updated_at: version.updated_at, decide: build(config) };
  }

  function check(document: unknown, source: string): Config {
    const config = validateConfig(document, source);
    const problems = RESTART_SECTIONS.filter((s) => JSON.stringify(config[s]) !== JSON.stringify(startConfig[s])).map(
      (s) => `${s}: differs from the running config; this section is read once at startup (change the --config file or the store and restart the control plane)`,
    );
    if (problems.length > 0) throw new ConfigError(source, problems);
    return config;
  }

  function serialized<T>(write: () => Promise<T>): Promise<T> {
    const result = writes.then(write);
    writes = result.catch(() => {});
    return result;
  }

  async function commit(document: unknown, ifMatch: number | undefined, source: string): Promise<ActiveConfig> {
    const expected = active.version;
    if (ifMatch !== undefined && ifMatch !== expected) throw new VersionConflictError(ifMatch, expected);
    const config = check(document, source);
    // Built before the commit: a config that cannot be built must never become the stored version.
    const decide = build(config);
    const version = await store.commit(document, expected);
    active = { config, document, version: version.version, updated_at: version.updated_at, decide };
    onChange(active, 'api');
    return active;
  }

  store.watch((version) => {
    if (version.version <= active.version) return;
    try {
      const config = check(version.document, `${store.description} version ${version.version}`);
      active = activate(config, version);
      onChange(active, 'store');
    } catch (err) {
      log(`switchyard config: not applying version ${version.version} from ${store.description}: ${(err as Error).message}`);
    }
  });

  return {
    current: () => active,
    check,
    apply: (document, ifMatch) => serialized(() => commit(document, ifMatch, 'request body')),
    rollback: (version, ifMatch) =>
      serialized(async () => {
        const target = (await store.history()).find((v) => v.version === version);
        if (target === undefined) throw new UnknownVersionError(version);
        return commit(target.document, ifMatch, `config version ${version}`);
      }),
    history: () => store.history(),
    close: () => store.close(),
  };
}
