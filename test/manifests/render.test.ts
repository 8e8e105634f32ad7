// Renders every kustomization with kubectl's kustomize and checks the properties the design relies
// on (docs/kubernetes.md). Needs only kubectl (or the kustomize setup.mjs builds without it).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { cacheDir, configModels, find, kustomizations, manifestsDir, parse, render, type K8sObject } from './helpers.ts';

const expectedKustomizations = ['ai-gateway', 'base', 'demo', 'envoy-gateway', 'envoy-gateway/core', 'monitoring', 'overlays/gpu'];

describe('kustomize renders', () => {
  it('finds exactly the expected kustomizations', () => {
    assert.deepEqual(kustomizations(), expectedKustomizations);
  });
  for (const k of expectedKustomizations) {
    it(`builds ${k}`, () => {
      const objs = parse(render(k));
      assert.ok(objs.length > 0);
      for (const o of objs) {
        assert.ok(o.apiVersion && o.kind && o.metadata?.name, `incomplete object in ${k}: ${JSON.stringify(o).slice(0, 200)}`);
        // No placeholder registries: images are set through kustomize `images:`.
        const text = JSON.stringify(o);
        assert.doesNotMatch(text, /ghcr\.io\/\.\.\./, `${o.kind}/${o.metadata.name} has a placeholder image`);
      }
    });
  }
});

const base = parse(render('base'));
const deployment = find(base, 'Deployment', 'switchyard-controlplane');
const podSpec = deployment.spec.template.spec;
const container = podSpec.containers[0];
const podLabels: Record<string, string> = deployment.spec.template.metadata.labels;
const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);

describe('control plane (base)', () => {
  it('lives in switchyard-system', () => {
    for (const o of base.filter((x) => x.kind !== 'Namespace')) assert.equal(o.metadata.namespace, 'switchyard-system', `${o.kind}/${o.metadata.name}`);
    assert.equal(find(base, 'Namespace').metadata.name, 'switchyard-system');
  });

  it('probes /healthz and /readyz on the admin port', () => {
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.startupProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    for (const p of [container.livenessProbe, container.readinessProbe, container.startupProbe]) assert.equal(p.httpGet.port, 'admin');
    assert.deepEqual(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]), [['decision', 8080], ['admin', 8081]]);
  });

  it('runs non-root with a read-only root filesystem and a writable /tmp', () => {
    assert.equal(podSpec.securityContext.runAsNonRoot, true);
    assert.ok(podSpec.securityContext.runAsUser > 0);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
    const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
    assert.ok(tmp, 'no /tmp mount');
    assert.ok(podSpec.volumes.find((v: { name: string; emptyDir?: object }) => v.name === tmp.name && v.emptyDir), '/tmp is not an emptyDir');
  });

  it('sets resources and spreads replicas across nodes', () => {
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
    const spread = podSpec.topologySpreadConstraints.find((t: { topologyKey: string }) => t.topologyKey === 'kubernetes.io/hostname');
    assert.ok(spread, 'no spread across kubernetes.io/hostname');
    assert.ok(selects(spread.labelSelector.matchLabels));
  });

  it('uses an image name that kustomize images: can set', () => {
    assert.equal(container.image, 'switchyard/controlplane:0.1.0');
  });

  it('exposes decision 8080 and admin 8081, and a headless decision Service', () => {
    const svc = find(base, 'Service', 'switchyard-controlplane');
    assert.deepEqual(svc.spec.ports.map((p: { port: number; targetPort: string }) => [p.port, p.targetPort]), [[8080, 'decision'], [8081, 'admin']]);
    assert.ok(selects(svc.spec.selector));
    const headless = find(base, 'Service', 'switchyard-decision');
    assert.equal(headless.spec.clusterIP, 'None');
    assert.deepEqual(headless.spec.ports.map((p: { port: number }) => p.port), [8080]);
  });

  it('grants only get/watch/update/patch on the one config ConfigMap', () => {
    const cm = find(base, 'ConfigMap');
    assert.equal(cm.metadata.name, 'switchyard-config', 'the config ConfigMap must keep a stable (unhashed) name');
    const role = find(base, 'Role');
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['switchyard-config'], verbs: ['get', 'watch', 'update', 'patch'] }]);
    const rb = find(base, 'RoleBinding');
    assert.equal(rb.roleRef.name, role.metadata.name);
    assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: podSpec.serviceAccountName, namespace: 'switchyard-system' }]);
    assert.equal(find(base, 'ServiceAccount').metadata.name, podSpec.serviceAccountName);
    assert.ok(container.args.includes('--store=kubernetes:$(POD_NAMESPACE)/switchyard-config'), 'the store must use the ConfigMap the Role names');
    assert.ok(container.env.some((e: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }) => e.name === 'POD_NAMESPACE' && e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace'));
    assert.equal(podSpec.volumes.find((v: { configMap?: { name: string } }) => v.configMap)?.configMap.name, 'switchyard-config');
  });

  it('has a PDB and an HPA that select/target the Deployment', () => {
    const pdb = find(base, 'PodDisruptionBudget');
    assert.ok(selects(pdb.spec.selector.matchLabels));
    const hpa = find(base, 'HorizontalPodAutoscaler');
    assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
    assert.ok(hpa.spec.minReplicas >= 2, 'minReplicas < 2 makes the PDB block every drain');
  });

  it('NetworkPolicy: decision port only from Envoy Gateway proxies, admin port separately', () => {
    const np = find(base, 'NetworkPolicy');
    assert.ok(selects(np.spec.podSelector.matchLabels));
    assert.deepEqual(np.spec.policyTypes, ['Ingress']);
    const byPort = (port: string) => np.spec.ingress.filter((r: { ports: { port: string }[] }) => r.ports.some((p) => p.port === port));
    const decision = byPort('decision');
    assert.equal(decision.length, 1);
    assert.deepEqual(decision[0].ports, [{ port: 'decision', protocol: 'TCP' }]);
    assert.equal(decision[0].from.length, 1);
    assert.equal(decision[0].from[0].podSelector.matchLabels['app.kubernetes.io/component'], 'proxy');
    assert.equal(decision[0].from[0].podSelector.matchLabels['app.kubernetes.io/managed-by'], 'envoy-gateway');
    const admin = byPort('admin');
    assert.equal(admin.length, 1);
    assert.ok(!admin[0].ports.some((p: { port: string }) => p.port === 'decision'));
  });
});

describe('gpu overlay', () => {
  const gpu = parse(render('overlays/gpu'));
  const d = find(gpu, 'Deployment', 'switchyard-controlplane');
  const spec = d.spec.template.spec;
  it('requests a GPU, tolerates GPU taints and selects GPU nodes', () => {
    assert.equal(spec.containers[0].resources.limits['nvidia.com/gpu'], '1');
    assert.equal(spec.containers[0].resources.requests['nvidia.com/gpu'], '1');
    assert.ok(spec.tolerations.some((t: { key: string }) => t.key === 'nvidia.com/gpu'));
    assert.ok(Object.keys(spec.nodeSelector).some((k) => k.startsWith('nvidia.com/gpu')));
    // The GPU build of the image (Dockerfile, GPU=true): the base image has no CUDA provider.
    assert.equal(spec.containers[0].image, 'switchyard/controlplane:0.1.0-gpu');
    assert.ok(spec.containers[0].env.some((e: { name: string; value: string }) => e.name === 'CUDA_CACHE_PATH' && e.value.startsWith('/tmp/')));
    // Everything from the base survives the patch.
    assert.equal(spec.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.equal(spec.containers[0].readinessProbe.httpGet.path, '/readyz');
  });
  it('sets inference.device: cuda and the most accurate encoder, and otherwise keeps the base config', () => {
    const cfg = (objs: K8sObject[]) => parseAllDocuments(find(objs, 'ConfigMap', 'switchyard-config').data['config.yaml'])[0].toJS();
    const g = cfg(gpu);
    const b = cfg(base);
    assert.equal(g.inference.device, 'cuda');
    assert.equal(b.inference.device, 'cpu');
    assert.equal(g.inference.model, 'bge-small-en-v1.5-q');
    assert.equal(b.inference.model, 'all-minilm-l6-v2-q-3-tuned');
    assert.deepEqual({ ...g, inference: b.inference }, b, 'overlays/gpu/config.yaml drifted from base/config.yaml');
  });
});

describe('demo LLMs', () => {
  const demo = parse(render('demo'));
  const models = configModels(readFileSync(join(manifestsDir, 'base', 'config.yaml'), 'utf8'));
  it('runs one demo-llm Deployment + Service per configured model', () => {
    for (const m of models) {
      const d = find(demo, 'Deployment', m);
      assert.deepEqual(d.spec.template.spec.containers[0].args, ['demo-llm', '--host', '0.0.0.0', '--port', '8000', '--models', m]);
      const svc = find(demo, 'Service', m);
      assert.equal(svc.spec.ports[0].port, 8000);
      assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true);
    }
  });
});

describe('images: override', () => {
  it('one kustomize images: entry retags the control plane and the demo LLMs', () => {
    // kustomize only accepts relative resource paths, so the throw-away overlay lives in the repo's cache.
    const dir = join(cacheDir, 'tmp', `images-${process.pid}`);
    try {
      for (const target of ['base', 'demo']) {
        const k = join(dir, target);
        mkdirSync(k, { recursive: true });
        writeFileSync(join(k, 'kustomization.yaml'), [
          `resources: ["${relative(k, join(manifestsDir, target))}"]`,
          'images:',
          '  - name: switchyard/controlplane',
          '    newName: registry.example.com/switchyard/controlplane',
          '    newTag: 9.9.9',
          '',
        ].join('\n'));
        const objs = parse(render(k));
        const images = objs.filter((o) => o.kind === 'Deployment').flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image));
        assert.ok(images.length > 0);
        for (const i of images) assert.equal(i, 'registry.example.com/switchyard/controlplane:9.9.9');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
