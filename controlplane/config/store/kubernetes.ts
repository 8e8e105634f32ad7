// The Kubernetes store (`--store kubernetes:NAMESPACE/NAME`): the ConfigMap the Deployment mounts.
// Its `config.yaml` is the config in effect, so `kubectl apply` / GitOps and the config API edit the
// same object; `versions.json` keeps the numbered history. A config.yaml that differs from the
// newest stored version was changed outside the API and counts as the next version. Writes replace
// the object with its resourceVersion (the API server refuses a stale one), and a watch on that one
// object brings every replica to a change within moments.

import { ApiException, CoreV1Api, KubeConfig, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { isObject } from '../../validate.ts';
import { appendVersion, StoreError, versionOf, VersionConflictError, type ConfigStore, type ConfigVersion } from './types.ts';

export const CONFIG_KEY = 'config.yaml';
export const VERSIONS_KEY = 'versions.json';
// A dropped watch is re-established after this pause (API server restarts, idle timeouts).
const REWATCH_DELAY_MS = 1000;

export interface KubernetesStoreOptions {
  readonly namespace: string;
  readonly name: string;
  /** Defaults to the in-cluster service account, or $KUBECONFIG / ~/.kube/config outside a cluster. */
  readonly kubeConfig?: KubeConfig;
}

interface Snapshot {
  readonly versions: ConfigVersion[];
  readonly object: V1ConfigMap;
}

export function createKubernetesStore({ namespace, name, kubeConfig }: KubernetesStoreOptions): ConfigStore {
  const kc = kubeConfig ?? defaultKubeConfig();
  const api = kc.makeApiClient(CoreV1Api);
  const where = `ConfigMap ${namespace}/${name}`;
  let watchAbort: AbortController | undefined;
  let closed = false;
  let seen = 0;

  async function read(): Promise<Snapshot> {
    let object: V1ConfigMap;
    try {
      object = await api.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      throw apiError(err, `cannot read ${where}`);
    }
    return snapshotOf(object, where);
  }

  async function startWatch(listener: (v: ConfigVersion) => void): Promise<void> {
    if (closed) return;
    const rewatch = () => {
      if (!closed) setTimeout(() => void startWatch(listener), REWATCH_DELAY_MS).unref();
    };
    try {
      watchAbort = await new Watch(kc).watch(
        `/api/v1/namespaces/${namespace}/configmaps`,
        { fieldSelector: `metadata.name=${name}` },
        (phase, object: V1ConfigMap) => {
          if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
          let newest: ConfigVersion | undefined;
          try {
            newest = snapshotOf(object, where).versions[0];
          } catch (err) {
            console.error(`switchyard config store: ${(err as Error).message}`);
            return;
          }
          if (newest === undefined || newest.version <= seen) return;
          seen = newest.version;
          listener(newest);
        },
        rewatch,
      );
    } catch (err) {
      console.error(`switchyard config store: watching ${where} failed: ${(err as Error).message}; retrying`);
      rewatch();
    }
  }

  return {
    description: `kubernetes:${namespace}/${name}`,
    current: async () => {
      const newest = (await read()).versions[0];
      seen = Math.max(seen, newest?.version ?? 0);
      return newest;
    },
    history: async () => (await read()).versions,
    commit: async (document, expected) => {
      const snapshot = await read();
      if (versionOf(snapshot.versions) !== expected) throw new VersionConflictError(expected, versionOf(snapshot.versions));
      const versions = appendVersion(snapshot.versions, document);
      const body: V1ConfigMap = {
        ...snapshot.object,
        data: { ...snapshot.object.data, [CONFIG_KEY]: stringify(document), [VERSIONS_KEY]: JSON.stringify({ versions }) },
      };
      try {
        await api.replaceNamespacedConfigMap({ name, namespace, body });
      } catch (err) {
        // 409: someone wrote after our read; the resourceVersion in `body` made the server refuse.
        if (err instanceof ApiException && err.code === 409) {
          throw new VersionConflictError(expected, versionOf((await read()).versions));
        }
        throw apiError(err, `cannot update ${where}`);
      }
      const committed = versions[0] as ConfigVersion;
      seen = Math.max(seen, committed.version);
      return committed;
    },
    watch: (listener) => {
      void startWatch(listener);
    },
    close: async () => {
      closed = true;
      watchAbort?.abort();
    },
  };
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** The versions a ConfigMap holds, with an out-of-band edit of config.yaml as the newest. */
function snapshotOf(object: V1ConfigMap, where: string): Snapshot {
  const data = object.data ?? {};
  let stored: ConfigVersion[] = [];
  const json = data[VERSIONS_KEY];
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new StoreError(`${where}: ${VERSIONS_KEY} is not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(parsed) || !Array.isArray(parsed.versions)) throw new StoreError(`${where}: ${VERSIONS_KEY} does not hold {"versions": [...]}`);
    stored = parsed.versions as ConfigVersion[];
  }
  const text = data[CONFIG_KEY];
  let versions = stored;
  if (text !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(JSON.stringify(parse(text) ?? null));
    } catch (err) {
      throw new StoreError(`${where}: ${CONFIG_KEY} is not valid YAML (${(err as Error).message.split('\n')[0]})`);
    }
    const newest = stored[0];
    if (newest === undefined || JSON.stringify(newest.document) !== JSON.stringify(document)) {
      // Deterministic, so every replica numbers the outside edit the same way.
      const times = (object.metadata?.managedFields ?? []).map((f) => (f.time === undefined ? 0 : new Date(f.time).getTime()));
      versions = appendVersion(stored, document, new Date(Math.max(0, ...times)));
    }
  }
  // `object` keeps metadata.resourceVersion: replacing with it is the compare-and-swap.
  return { versions, object };
}

function apiError(err: unknown, what: string): StoreError {
  if (err instanceof ApiException) {
    const hint =
      err.code === 404 ? ' (not found: apply manifests/base, which creates it)' : err.code === 403 ? ' (forbidden: check the Role in manifests/base/rbac.yaml)' : '';
    return new StoreError(`${what}: HTTP ${err.code}${hint}`);
  }
  return new StoreError(`${what}: ${(err as Error).message}`);
}
