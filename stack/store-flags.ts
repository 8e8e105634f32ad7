// `--state-dir DIR` and `--store kubernetes:NAMESPACE/NAME` of `switchyard controlplane`: which config
// store keeps the versions written through the config API.

import { createFileStore } from '../controlplane/config/store/file.ts';
import { createKubernetesStore } from '../controlplane/config/store/kubernetes.ts';
import { createMemoryStore } from '../controlplane/config/store/memory.ts';
import type { ConfigStore } from '../controlplane/config/store/types.ts';
import { UsageError } from './command.ts';

const KUBERNETES = /^kubernetes:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;

export async function openStore(stateDir: string | undefined, store: string | undefined): Promise<ConfigStore> {
  if (stateDir !== undefined && store !== undefined) throw new UsageError('switchyard controlplane: give either --state-dir or --store, not both');
  if (stateDir !== undefined) {
    if (stateDir.trim() === '') throw new UsageError('switchyard controlplane: --state-dir must not be empty');
    return createFileStore(stateDir);
  }
  if (store === undefined) return createMemoryStore();
  const match = KUBERNETES.exec(store);
  if (match === null) {
    throw new UsageError(`switchyard controlplane: --store must be kubernetes:NAMESPACE/CONFIGMAP (e.g. kubernetes:switchyard-system/switchyard-config), got "${store}"`);
  }
  return createKubernetesStore({ namespace: match[1] as string, name: match[3] as string });
}
