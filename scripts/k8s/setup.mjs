#!/usr/bin/env node
// Prepares the real tools and CRDs that test/manifests/*.test.ts validate the manifests with, all
// under the git-ignored .cache/k8s/ (cache that directory in CI):
//   bin/kubectl-validate, bin/egctl      built from the Go module proxy with `go install`
//   bin/kustomize                        only when no kubectl is on PATH
//   bin/kube-apiserver, bin/etcd         a real API server for the Kubernetes config store test
//   bin/prometheus                       evaluates the Grafana dashboard's queries (test/observability)
//   crds/gateway-api/, crds/envoy-gateway/, crds/ai-gateway/, crds/prometheus-operator/   CRDs at the pinned versions
//   gopath/, gomodcache/, gocache/       the Go caches the builds use
//   state.json                           what is present, at which version, and how long it took
// Everything already present at the pinned version is reused, so a warm run takes seconds.
//
//   node scripts/k8s/setup.mjs           SWITCHYARD_GO_P=<n> sets `go build -p` (default: all cores)
//
// Envoy AI Gateway is not served by every Go module proxy. When `go mod download` refuses it, its
// CRDs are taken from the directory named by $SWITCHYARD_AIGW_CRDS (the aigateway.envoyproxy.io_*.yaml
// files of manifests/charts/ai-gateway-crds-helm/templates at that tag); without it, the AI Gateway
// resources are not schema-validated and the tests report them as skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modules, versions } from './versions.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(repoRoot, '.cache', 'k8s');
const binDir = join(cacheDir, 'bin');
const crdDir = join(cacheDir, 'crds');
const statePath = join(cacheDir, 'state.json');

const log = (msg) => console.log(`[k8s setup] ${msg}`);

function readState() {
  try { return JSON.parse(readFileSync(statePath, 'utf8')); } catch { return {}; }
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || null;
}

function goEnv() {
  const env = {
    ...process.env,
    GOBIN: binDir,
    GOPATH: join(cacheDir, 'gopath'),
    GOMODCACHE: join(cacheDir, 'gomodcache'),
    GOCACHE: join(cacheDir, 'gocache'),
    // Never fetch another Go toolchain behind our back; the message below says what is needed.
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  const flags = [process.env.GOFLAGS ?? '', '-buildvcs=false'];
  if (process.env.SWITCHYARD_GO_P) flags.push(`-p=${process.env.SWITCHYARD_GO_P}`);
  env.GOFLAGS = flags.join(' ').trim();
  return env;
}

function checkGo() {
  const go = onPath('go');
  if (!go) {
    throw new Error('the Go toolchain (go >= 1.25.6) is needed to build kubectl-validate and egctl and to fetch the CRDs; '
      + 'install Go (e.g. apt-get install golang-go, if recent enough, or the official tarball) and re-run node scripts/k8s/setup.mjs');
  }
  const v = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const [maj, min, patch] = v.replace(/^go/, '').split(/[.\-a-z]/).map((n) => Number(n) || 0);
  if (maj < 1 || (maj === 1 && (min < 25 || (min === 25 && patch < 6)))) {
    throw new Error(`${v} is too old: Envoy Gateway ${versions.envoyGateway} needs go >= 1.25.6`);
  }
  return v;
}

function run(cmd, args, env) {
  // Lowest CPU priority: these builds share the machine with people working on it.
  const nice = onPath('nice');
  const [c, a] = nice ? [nice, ['-n', '19', cmd, ...args]] : [cmd, args];
  execFileSync(c, a, { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

function goInstall(state, key, pkg, version, binName, env) {
  const bin = join(binDir, binName);
  if (existsSync(bin) && state.tools?.[key]?.version === version) {
    log(`${binName} ${version}: present`);
    return;
  }
  log(`building ${binName} ${version} (go install ${pkg}@${version}); a cold build takes minutes`);
  const t0 = Date.now();
  run('go', ['install', `${pkg}@${version}`], env);
  const seconds = Math.round((Date.now() - t0) / 1000);
  state.tools = { ...state.tools, [key]: { version, bin, buildSeconds: seconds } };
  writeState(state);
  log(`${binName} ${version}: built in ${seconds} s`);
}

// Builds `pkg` from `mod@version` inside a throw-away main module that carries mod's own go.mod and
// go.sum. Unlike `go install pkg@version`, every dependency is then checked against the go.sum that
// the Envoy Gateway release shipped (itself verified when downloaded), so no checksum-database
// lookups are needed for its ~300 dependencies -- some of which a module proxy's checksum database
// may not answer for (seen with Envoy Gateway v1.6.3: go-control-plane/contrib, troubleshoot).
function goBuildPinned(state, key, mod, pkg, version, binName, env) {
  const bin = join(binDir, binName);
  if (existsSync(bin) && state.tools?.[key]?.version === version) {
    log(`${binName} ${version}: present`);
    return;
  }
  const { dir, error } = modDir(mod, version, env);
  if (!dir) throw new Error(`${binName}: ${error}`);
  const work = join(cacheDir, 'build', binName);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const gomod = readFileSync(join(dir, 'go.mod'), 'utf8').replace(/^module\s+\S+/m, `module switchyard.invalid/k8s-tools/${binName}`);
  writeFileSync(join(work, 'go.mod'), `${gomod}\nrequire ${mod} ${version}\n`);
  // Copied by content: the module cache is read-only and go may need to add lines.
  writeFileSync(join(work, 'go.sum'), readFileSync(join(dir, 'go.sum')));
  log(`building ${binName} ${version} (${pkg}); a cold build takes minutes`);
  const t0 = Date.now();
  execFileSync(onPath('nice') ?? 'go', [...(onPath('nice') ? ['-n', '19', 'go'] : []), 'build', '-trimpath', '-mod=mod', '-o', bin, pkg],
    { cwd: work, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const seconds = Math.round((Date.now() - t0) / 1000);
  state.tools = { ...state.tools, [key]: { version, bin, buildSeconds: seconds } };
  writeState(state);
  log(`${binName} ${version}: built in ${seconds} s`);
}

// Builds `pkg` in a throw-away main module `work` whose go.mod is `gomod` (plus `mainGo` as main.go
// when the module needs a package of its own to keep its requirements); `go mod tidy` resolves and
// verifies the dependencies first.
function goBuildModule(state, key, binName, version, gomod, mainGo, pkg, env) {
  const bin = join(binDir, binName);
  if (existsSync(bin) && state.tools?.[key]?.version === version) {
    log(`${binName} ${version}: present`);
    return;
  }
  const work = join(cacheDir, 'build', binName);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'go.mod'), gomod);
  writeFileSync(join(work, 'main.go'), mainGo);
  log(`building ${binName} ${version} (${pkg}); a cold build takes minutes`);
  const t0 = Date.now();
  const nice = onPath('nice');
  const go = (args) => execFileSync(nice ?? 'go', [...(nice ? ['-n', '19', 'go'] : []), ...args], { cwd: work, env, stdio: ['ignore', 'inherit', 'inherit'] });
  go(['mod', 'tidy']);
  go(['build', '-trimpath', '-o', bin, pkg]);
  const seconds = Math.round((Date.now() - t0) / 1000);
  state.tools = { ...state.tools, [key]: { version, bin, buildSeconds: seconds } };
  writeState(state);
  log(`${binName} ${version}: built in ${seconds} s`);
}

// k8s.io/kubernetes points its k8s.io/* staging modules at ./staging with replace directives, which
// `go install` refuses; the same replaces aimed at the published v0.x releases make it buildable.
function kubeApiserver(state, env) {
  const version = versions.kubeApiserver;
  if (existsSync(join(binDir, 'kube-apiserver')) && state.tools?.kubeApiserver?.version === version) {
    log(`kube-apiserver ${version}: present`);
    return;
  }
  const { dir, error } = modDir(modules.kubernetes, version, env);
  if (!dir) throw new Error(`kube-apiserver: ${error}`);
  const staging = version.replace(/^v1\./, 'v0.');
  const replaces = [...readFileSync(join(dir, 'go.mod'), 'utf8').matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)]
    .map(([, mod]) => `replace ${mod} => ${mod} ${staging}`);
  const gomod = `module switchyard.invalid/k8s-tools/kube-apiserver\n\ngo 1.24\n\nrequire ${modules.kubernetes} ${version}\n\n${replaces.join('\n')}\n`;
  const mainGo = `package main\n\nimport _ "${modules.kubeApiserver}/app"\n\nfunc main() {}\n`;
  goBuildModule(state, 'kubeApiserver', 'kube-apiserver', version, gomod, mainGo, modules.kubeApiserver, env);
}

function etcd(state, env) {
  const gomod = `module switchyard.invalid/k8s-tools/etcd\n\ngo 1.24\n\nrequire ${modules.etcdServer} ${versions.etcd}\n`;
  const mainGo = `package main\n\nimport (\n\t"os"\n\n\t"${modules.etcdServer}/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n`;
  goBuildModule(state, 'etcd', 'etcd', versions.etcd, gomod, mainGo, '.', env);
}

function modDir(mod, version, env) {
  const out = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], { cwd: cacheDir, env, encoding: 'utf8' });
  let info = {};
  try { info = JSON.parse(out.stdout); } catch { /* reported below */ }
  if (out.status !== 0 || !info.Dir) {
    const why = (info.Error || out.stderr || '').trim().split('\n')[0];
    return { dir: null, error: why || `go mod download ${mod}@${version} failed` };
  }
  return { dir: info.Dir, error: null };
}

function copyCrds(fromDir, filter, toDir) {
  rmSync(toDir, { recursive: true, force: true });
  mkdirSync(toDir, { recursive: true });
  const files = readdirSync(fromDir).filter((f) => /\.ya?ml$/.test(f) && filter(f));
  for (const f of files) copyFileSync(join(fromDir, f), join(toDir, f));
  if (files.length === 0) throw new Error(`no CRD files found in ${fromDir}`);
  return files.length;
}

function writeState(state) {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(statePath, JSON.stringify(state, null, 2) + '\n');
}

function crds(state, env) {
  const want = {
    gatewayApi: versions.gatewayApi,
    envoyGateway: versions.envoyGateway,
    aiGateway: versions.aiGateway,
    prometheusOperator: versions.prometheusOperator,
  };
  state.crds ??= {};
  const ok = (key) => state.crds[key]?.version === want[key] && existsSync(state.crds[key].dir ?? '/nonexistent');

  if (!ok('gatewayApi')) {
    const { dir, error } = modDir(modules.gatewayApi, versions.gatewayApi, env);
    if (!dir) throw new Error(`Gateway API CRDs: ${error}`);
    // Standard channel: what every conformant install has; our manifests use nothing experimental.
    const to = join(crdDir, 'gateway-api');
    const n = copyCrds(join(dir, 'config', 'crd', 'standard'), (f) => f.startsWith('gateway.networking.k8s.io_'), to);
    state.crds.gatewayApi = { version: versions.gatewayApi, dir: to, files: n, source: `${modules.gatewayApi} config/crd/standard` };
    log(`Gateway API ${versions.gatewayApi} CRDs: ${n} files`);
  }
  if (!ok('envoyGateway')) {
    const { dir, error } = modDir(modules.envoyGateway, versions.envoyGateway, env);
    if (!dir) throw new Error(`Envoy Gateway CRDs: ${error}`);
    const to = join(crdDir, 'envoy-gateway');
    const n = copyCrds(join(dir, 'charts', 'gateway-helm', 'crds', 'generated'), (f) => f.startsWith('gateway.envoyproxy.io_'), to);
    state.crds.envoyGateway = { version: versions.envoyGateway, dir: to, files: n, source: `${modules.envoyGateway} charts/gateway-helm/crds/generated` };
    log(`Envoy Gateway ${versions.envoyGateway} CRDs: ${n} files`);
  }
  if (!ok('prometheusOperator')) {
    const { dir, error } = modDir(modules.prometheusOperator, versions.prometheusOperator, env);
    if (!dir) throw new Error(`Prometheus Operator CRDs: ${error}`);
    const to = join(crdDir, 'prometheus-operator');
    const n = copyCrds(join(dir, 'example', 'prometheus-operator-crd'), (f) => f === 'monitoring.coreos.com_servicemonitors.yaml' || f === 'monitoring.coreos.com_podmonitors.yaml', to);
    state.crds.prometheusOperator = { version: versions.prometheusOperator, dir: to, files: n, source: `${modules.prometheusOperator} example/prometheus-operator-crd` };
    log(`Prometheus Operator ${versions.prometheusOperator} CRDs: ${n} files`);
  }
  if (!ok('aiGateway')) {
    const to = join(crdDir, 'ai-gateway');
    const isCrd = (f) => f.startsWith('aigateway.envoyproxy.io_');
    const { dir, error } = modDir(modules.aiGateway, versions.aiGateway, env);
    const fallbacks = [process.env.SWITCHYARD_AIGW_CRDS].filter(Boolean);
    if (dir) {
      const n = copyCrds(join(dir, 'manifests', 'charts', 'ai-gateway-crds-helm', 'templates'), isCrd, to);
      state.crds.aiGateway = { version: versions.aiGateway, dir: to, files: n, source: `${modules.aiGateway} manifests/charts/ai-gateway-crds-helm/templates` };
    } else {
      const from = fallbacks.find((d) => existsSync(d) && readdirSync(d).some(isCrd));
      if (from) {
        const n = copyCrds(from, isCrd, to);
        state.crds.aiGateway = { version: versions.aiGateway, dir: to, files: n, source: from };
      } else {
        state.crds.aiGateway = { version: versions.aiGateway, dir: null, missing: `go mod download refused (${error}) and no CRD copy named by SWITCHYARD_AIGW_CRDS` };
      }
    }
    log(state.crds.aiGateway.dir ? `Envoy AI Gateway ${versions.aiGateway} CRDs: ${state.crds.aiGateway.files} files (${state.crds.aiGateway.source})`
      : `WARNING: Envoy AI Gateway ${versions.aiGateway} CRDs unavailable: ${state.crds.aiGateway.missing}`);
  }
  writeState(state);
}

export function setup() {
  const t0 = Date.now();
  mkdirSync(binDir, { recursive: true });
  const state = readState();
  const goVersion = checkGo();
  const env = goEnv();
  state.go = goVersion;

  crds(state, env);
  goInstall(state, 'kubectlValidate', modules.kubectlValidate, versions.kubectlValidate, 'kubectl-validate', env);
  goBuildPinned(state, 'egctl', modules.envoyGateway, modules.egctl, versions.envoyGateway, 'egctl', env);
  etcd(state, env);
  kubeApiserver(state, env);
  goBuildPinned(state, 'prometheus', modules.prometheus, modules.prometheusCmd, versions.prometheus, 'prometheus', env);

  // Rendering: kubectl's built-in kustomize when there is a kubectl, else the standalone kustomize.
  const kubectl = onPath('kubectl');
  if (kubectl) {
    state.render = { cmd: kubectl, args: ['kustomize'] };
  } else {
    goInstall(state, 'kustomize', modules.kustomize, versions.kustomize, 'kustomize', env);
    state.render = { cmd: join(binDir, 'kustomize'), args: ['build'] };
  }
  state.ready = true;
  writeState(state);
  log(`ready in ${Math.round((Date.now() - t0) / 1000)} s (${statePath})`);
  return state;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    setup();
  } catch (err) {
    console.error(`[k8s setup] FAILED: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
