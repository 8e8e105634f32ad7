// Shared helpers for the manifest tests: render kustomizations, run the real tools that
// scripts/k8s/setup.mjs prepared under .cache/k8s/, and read the rendered objects.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const manifestsDir = join(repoRoot, 'manifests');
export const cacheDir = join(repoRoot, '.cache', 'k8s');

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

export interface SetupState {
  ready?: boolean;
  render?: { cmd: string; args: string[] };
  tools?: Record<string, { version: string; bin: string; buildSeconds: number }>;
  crds?: Record<string, { version: string; dir: string | null; files?: number; source?: string; missing?: string }>;
}

/** The state scripts/k8s/setup.mjs left, or a reason why the tool tests cannot run. */
export function setupState(): { state: SetupState | null; why: string } {
  const p = join(cacheDir, 'state.json');
  if (!existsSync(p)) return { state: null, why: 'run `node scripts/k8s/setup.mjs` first (builds kubectl-validate and egctl, fetches the CRDs)' };
  const state = JSON.parse(readFileSync(p, 'utf8')) as SetupState;
  if (!state.ready) return { state: null, why: 'scripts/k8s/setup.mjs did not finish; run it again' };
  return { state, why: '' };
}

/** Opt-out for machines without Go: SWITCHYARD_SKIP_K8S_TOOLS=1 skips (never silently passes) the tool-based tests. */
export const skipTools = process.env.SWITCHYARD_SKIP_K8S_TOOLS === '1' ? 'SWITCHYARD_SKIP_K8S_TOOLS=1' : false;

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? repoRoot, input: opts.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every directory under manifests/ with a kustomization.yaml, relative to manifests/. */
export function kustomizations(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (existsSync(join(d, 'kustomization.yaml'))) out.push(relative(manifestsDir, d));
    for (const n of readdirSync(d)) if (statSync(join(d, n)).isDirectory()) walk(join(d, n));
  };
  walk(manifestsDir);
  return out.sort();
}

/** `kubectl kustomize` (or standalone kustomize where there is no kubectl) of a directory. */
export function render(dir: string): string {
  const { state } = setupState();
  const how = state?.render ?? { cmd: 'kubectl', args: ['kustomize'] };
  const abs = resolve(manifestsDir, dir);
  const r = run(how.cmd, [...how.args, abs]);
  if (r.status !== 0) throw new Error(`${how.cmd} ${how.args.join(' ')} ${relative(repoRoot, abs)} failed:\n${r.stderr}`);
  return r.stdout;
}

export function parse(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
    return d.toJS() as K8sObject;
  }).filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export function find(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `switchyard-${prefix}-`));
}

export function writeTemp(prefix: string, name: string, text: string): string {
  const d = tempDir(prefix);
  const p = join(d, name);
  writeFileSync(p, text);
  return p;
}

/** kubectl-validate on files/directories against the CRDs setup.mjs fetched. */
export function kubectlValidate(state: SetupState, paths: string[], kubernetesVersion: string): { status: number; output: string } {
  const bin = state.tools?.kubectlValidate?.bin ?? join(cacheDir, 'bin', 'kubectl-validate');
  const crdDirs = Object.values(state.crds ?? {}).map((c) => c.dir).filter((d): d is string => !!d);
  const r = run(bin, [...paths, '--local-crds', crdDirs.join(','), '--version', kubernetesVersion, '--output', 'json']);
  return { status: r.status, output: r.stdout + r.stderr };
}

/** The models the control plane's default config knows (manifests/base/config.yaml). */
export function configModels(configYaml: string): string[] {
  const cfg = parseAllDocuments(configYaml)[0].toJS() as { models: { name: string }[] };
  return cfg.models.map((m) => m.name).sort();
}
