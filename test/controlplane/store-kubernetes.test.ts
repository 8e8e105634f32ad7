// The Kubernetes config store against a real kube-apiserver (with etcd), authenticated as the
// control plane's ServiceAccount and authorized only by the Role in manifests/base/rbac.yaml.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, parse } from 'yaml';
import { CONFIG_KEY, createKubernetesStore, VERSIONS_KEY } from '../../controlplane/config/store/kubernetes.ts';
import { VersionConflictError, type ConfigVersion } from '../../controlplane/config/store/types.ts';
import { startControlPlane } from '../../controlplane/server.ts';
import { decide, rulesConfig } from './config-helpers.ts';
import { missingApiServer, startApiServer, writeServiceAccountFiles, type ApiServer } from './kube-apiserver.ts';

const NAMESPACE = 'switchyard-system';
const CONFIGMAP = 'switchyard-config';
const manifest = (name: string) => fileURLToPath(new URL(`../../manifests/base/${name}`, import.meta.url));
const skip = missingApiServer();

async function until<T>(what: string, get: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Kubernetes config store on a real API server', { skip, timeout: 240_000 }, () => {
  let server: ApiServer;
  let core: CoreV1Api;
  let serviceAccount: KubeConfig;
  const seed = rulesConfig('alpha', 'math-model');

  before(async () => {
    server = await startApiServer();
    core = server.admin.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(server.admin);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    // The Role, RoleBinding and ServiceAccount exactly as shipped.
    for (const file of ['serviceaccount.yaml', 'rbac.yaml']) {
      for (const doc of parseAllDocuments(readFileSync(manifest(file), 'utf8'))) {
        const object = doc.toJS() as KubernetesObject;
        object.metadata = { ...object.metadata, namespace: NAMESPACE };
        await objects.create(object);
      }
    }
    await core.createNamespacedConfigMap({ namespace: NAMESPACE, body: { metadata: { name: CONFIGMAP }, data: { [CONFIG_KEY]: JSON.stringify(seed) } } });
    await core.createNamespacedConfigMap({ namespace: NAMESPACE, body: { metadata: { name: 'someone-elses' }, data: { a: 'b' } } });
    const token = await core.createNamespacedServiceAccountToken({
      name: 'switchyard-controlplane',
      namespace: NAMESPACE,
      body: { spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 } },
    });
    // In-cluster configuration, as a pod gets it: environment plus the mounted service-account files.
    const prefix = writeServiceAccountFiles(server, token.status?.token as string, NAMESPACE);
    const { port } = new URL(server.url);
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = port;
    serviceAccount = new KubeConfig();
    serviceAccount.loadFromCluster(prefix);
  });
  after(() => server?.close());

  const store = () => createKubernetesStore({ namespace: NAMESPACE, name: CONFIGMAP, kubeConfig: serviceAccount });

  it('reads the applied ConfigMap as version 1, commits with compare-and-swap, and every watcher hears of it', async () => {
    const a = store();
    const b = store();
    try {
      const first = await a.current();
      assert.equal(first?.version, 1);
      assert.deepEqual(first?.document, seed);
      const heard: ConfigVersion[] = [];
      b.watch((v) => heard.push(v));
      await b.current();
      const next = rulesConfig('beta', 'code-model');
      const committed = await a.commit(next, 1);
      assert.equal(committed.version, 2);
      await assert.rejects(b.commit(rulesConfig('gamma', 'general'), 1), (err: Error) => err instanceof VersionConflictError && err.actual === 2);
      const seen = await until('watcher b sees version 2', () => heard.find((v) => v.version === 2));
      assert.deepEqual(seen.document, next);
      // What `kubectl get configmap` shows: the config in effect as YAML, and the history.
      const object = await core.readNamespacedConfigMap({ name: CONFIGMAP, namespace: NAMESPACE });
      assert.deepEqual(parse(object.data?.[CONFIG_KEY] ?? ''), next);
      assert.deepEqual(JSON.parse(object.data?.[VERSIONS_KEY] ?? '').versions.map((v: ConfigVersion) => v.version), [2, 1]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('takes an edit of config.yaml made with kubectl (GitOps) as the next version', async () => {
    const a = store();
    try {
      const heard: ConfigVersion[] = [];
      a.watch((v) => heard.push(v));
      const before = (await a.current())?.version ?? 0;
      const edited = rulesConfig('gitops', 'general');
      // What `kubectl apply` of an edited ConfigMap does: an update of config.yaml alone.
      const object = await core.readNamespacedConfigMap({ name: CONFIGMAP, namespace: NAMESPACE });
      await core.replaceNamespacedConfigMap({ name: CONFIGMAP, namespace: NAMESPACE, body: { ...object, data: { ...object.data, [CONFIG_KEY]: JSON.stringify(edited) } } });
      const seen = await until('the watch sees the kubectl edit', () => heard.find((v) => v.version === before + 1));
      assert.deepEqual(seen.document, edited);
      // The next commit builds on it, keeping it in the history.
      await a.commit(rulesConfig('after', 'general'), before + 1);
      assert.deepEqual((await a.history()).slice(0, 2).map((v) => v.version), [before + 2, before + 1]);
    } finally {
      await a.close();
    }
  });

  it('is refused any other ConfigMap by the Role, with a message naming the Role', async () => {
    const other = createKubernetesStore({ namespace: NAMESPACE, name: 'someone-elses', kubeConfig: serviceAccount });
    await assert.rejects(other.current(), /cannot read ConfigMap switchyard-system\/someone-elses: HTTP 403 \(forbidden: check the Role in manifests\/base\/rbac\.yaml\)/);
  });

  it('lets two control planes converge: a PUT on one reaches the other within seconds', async () => {
    const token = 'k8s-test-token';
    // The store holds a newer version than this seed, and that version wins at startup.
    const options = { port: 0, configPath: manifest('config.yaml'), adminToken: token };
    const a = await startControlPlane({ ...options, store: store() });
    const b = await startControlPlane({ ...options, store: store() });
    try {
      await Promise.all([a.ready, b.ready]);
      const version = a.live.current().version;
      const res = await fetch(`http://127.0.0.1:${a.port}/v1/config`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': `"${version}"` },
        body: JSON.stringify(rulesConfig('converged', 'code-model')),
      });
      assert.equal(res.status, 200, await res.text());
      await until('b routes with the new config', async () => ((await decide(b.port, 'hello')).category === 'converged' ? true : undefined));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
