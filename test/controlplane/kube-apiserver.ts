// A real Kubernetes API server for tests: etcd plus kube-apiserver, both built by
// scripts/k8s/setup.mjs from the Go module proxy, on loopback ports, torn down after the suite.
// Tokens: an admin (system:masters) from a static token file; service-account tokens from the
// TokenRequest API, so RBAC is enforced exactly as in a cluster.

import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort } from '../../scripts/free-port.ts';
import { cacheDir } from '../../scripts/k8s/setup.mjs';

const BIN = join(cacheDir, 'bin');
export const KUBE_APISERVER = join(BIN, 'kube-apiserver');
export const ETCD = join(BIN, 'etcd');

/** Why the API server cannot run here, or undefined when it can. */
export function missingApiServer(): string | undefined {
  const absent = [KUBE_APISERVER, ETCD].filter((bin) => !existsSync(bin));
  return absent.length === 0 ? undefined : `${absent.join(' and ')} not built (npm test builds them through scripts/k8s/setup.mjs)`;
}

export interface ApiServer {
  readonly url: string;
  /** The API server's serving certificate: the CA a client must trust. */
  readonly caFile: string;
  readonly admin: KubeConfig;
  close(): Promise<void>;
}


function start(bin: string, args: string[], log: string[]): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Kept for the error message when something does not come up; the last lines say why.
  const keep = (d: Buffer) => {
    log.push(...d.toString('utf8').split('\n'));
    log.splice(0, Math.max(0, log.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await once(child, 'exit');
  clearTimeout(timer);
}

export async function startApiServer(): Promise<ApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-apiserver-'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = `admin-${Date.now()}`;
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin,system:masters\n`);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));

  const etcdLog: string[] = [];
  const apiLog: string[] = [];
  const etcd = start(ETCD, [
    '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${etcdPort}`,
    '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `default=http://127.0.0.1:${peerPort}`,
  ], etcdLog);
  const api = start(KUBE_APISERVER, [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(dir, 'sa.key')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/24',
    // No controller manager runs: the admission plugins that wait for its objects stay off.
    '--disable-admission-plugins=ServiceAccount,DefaultStorageClass,DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota',
  ], apiLog);
  const close = async () => {
    await stop(api);
    await stop(etcd);
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `https://127.0.0.1:${apiPort}`;
  const admin = new KubeConfig();
  admin.loadFromOptions({
    clusters: [{ name: 'test', server: url, skipTLSVerify: true }],
    users: [{ name: 'admin', token: adminToken }],
    contexts: [{ name: 'test', cluster: 'test', user: 'admin' }],
    currentContext: 'test',
  });
  try {
    await waitReady(url, adminToken, api, () => [...etcdLog.slice(-5), ...apiLog.slice(-10)].join('\n'));
  } catch (err) {
    await close();
    throw err;
  }
  return { url, caFile: join(dir, 'certs', 'apiserver.crt'), admin, close };
}

async function waitReady(url: string, token: string, api: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  // Node's fetch cannot skip verification per request, and the certificate does not exist before
  // the server writes it: probe with the https module instead.
  const { request } = await import('node:https');
  const probe = () =>
    new Promise<number>((resolve) => {
      const req = request(`${url}/readyz`, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end();
    });
  while ((await probe()) !== 200) {
    if (api.exitCode !== null) throw new Error(`kube-apiserver exited with ${api.exitCode}:\n${logs()}`);
    if (Date.now() > deadline) throw new Error(`kube-apiserver not ready within 90 s:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The files a pod sees under /var/run/secrets/kubernetes.io/serviceaccount, below a temporary
 * prefix, for KubeConfig.loadFromCluster(prefix): a TokenRequest token, the CA, the namespace.
 */
export function writeServiceAccountFiles(server: ApiServer, token: string, namespace: string): string {
  const prefix = mkdtempSync(join(tmpdir(), 'switchyard-sa-'));
  const dir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), readFileSync(server.caFile));
  writeFileSync(join(dir, 'namespace'), namespace);
  return prefix;
}
