// What every config store keeps: numbered versions of the config document (the JSON the operator
// wrote), the newest being the one in effect. Stores differ only in where the bytes live (memory,
// a state directory, a Kubernetes ConfigMap) and in how other replicas hear about a change.

/** One stored version. `document` is plain JSON, exactly what GET /v1/config returns. */
export interface ConfigVersion {
  readonly version: number;
  /** ISO 8601 time the version was committed. */
  readonly updated_at: string;
  readonly document: unknown;
}

/** How many versions a store keeps, the current one included. */
export const HISTORY_LIMIT = 20;

export interface ConfigStore {
  /** Where the versions live, for /readyz and logs, e.g. "file:/var/lib/switchyard". */
  readonly description: string;
  /** The newest version, or undefined while the store is empty. */
  current(): Promise<ConfigVersion | undefined>;
  /** Newest first, at most HISTORY_LIMIT. */
  history(): Promise<readonly ConfigVersion[]>;
  /**
   * Stores `document` as version `expected + 1` if the newest stored version is still `expected`
   * (0 for an empty store); throws VersionConflictError otherwise, so two writers never both win.
   */
  commit(document: unknown, expected: number): Promise<ConfigVersion>;
  /** Calls `listener` with each newer version committed elsewhere (another replica or process). */
  watch(listener: (version: ConfigVersion) => void): void;
  close(): Promise<void>;
}

export class VersionConflictError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`config version conflict: expected version ${expected}, the store is at version ${actual}`);
    this.name = 'VersionConflictError';
  }
}

/** A store that cannot be read or written (unreadable directory, corrupt file, API server errors). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The versions after a commit of `document` on top of `history` (newest first), trimmed to the limit. */
export function appendVersion(history: readonly ConfigVersion[], document: unknown, now: Date = new Date()): ConfigVersion[] {
  const version: ConfigVersion = { version: (history[0]?.version ?? 0) + 1, updated_at: now.toISOString(), document };
  return [version, ...history].slice(0, HISTORY_LIMIT);
}

/** The version number of the newest entry; 0 for an empty store. */
export function versionOf(history: readonly ConfigVersion[]): number {
  return history[0]?.version ?? 0;
}
