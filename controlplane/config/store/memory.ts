// The store used without --state-dir or --store: versions live as long as the process.

import { appendVersion, versionOf, VersionConflictError, type ConfigStore, type ConfigVersion } from './types.ts';

export function createMemoryStore(): ConfigStore {
  let versions: ConfigVersion[] = [];
  return {
    description: 'memory (changes are lost on restart; use --state-dir or --store to keep them)',
    current: async () => versions[0],
    history: async () => versions,
    commit: async (document, expected) => {
      if (versionOf(versions) !== expected) throw new VersionConflictError(expected, versionOf(versions));
      versions = appendVersion(versions, document);
      return versions[0] as ConfigVersion;
    },
    // Nothing else can write to this process's memory.
    watch: () => {},
    close: async () => {},
  };
}
