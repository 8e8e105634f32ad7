// Runs one Envoy process on a generated bootstrap and knows when it is serving.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EnvoyOptions {
  envoyPath: string;
  bootstrap: object;
  /** Worker threads; Envoy's default is one per core. */
  concurrency?: number;
  logLevel?: 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';
  readyTimeoutMs?: number;
}

export interface Envoy {
  /** The listener's actual port (resolved when the bootstrap asked for port 0). */
  readonly port: number;
  readonly adminPort: number;
  readonly url: string;
  readonly adminUrl: string;
  /** Settles when the process exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines Envoy logged. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL if it lingers; removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** `message`, followed by Envoy's last log lines when it logged anything. */
export function withLogTail(message: string, log: string): string {
  return log ? `${message}\n--- last lines of the Envoy log ---\n${log}` : message;
}

export class EnvoyStartError extends Error {
  constructor(message: string, readonly log: string) {
    super(withLogTail(message, log));
    this.name = 'EnvoyStartError';
  }
}

const LOG_TAIL_BYTES = 64 * 1024;
const STOP_GRACE_MS = 5_000;

// Envoys not yet stopped. If this process ends without stopping them (an uncaught error, a test
// runner or a user terminating it), they are killed on the way out rather than left listening:
// Envoy runs in its own process group, so nothing else would stop it.
const running = new Map<ChildProcess, string>();
const killRunning = () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
};
process.on('exit', killRunning);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = () => {
    // Another listener (`switchyard up`) means someone shuts down in order; leave it to them.
    if (process.listenerCount(signal) > 1) return;
    killRunning();
    // Listening suppressed the default action; re-raise so the process still dies of the signal.
    process.off(signal, onSignal);
    process.kill(process.pid, signal);
  };
  process.on(signal, onSignal);
}

export async function startEnvoy(opts: EnvoyOptions): Promise<Envoy> {
  // The bootstrap may carry provider API keys: keep it private and short-lived.
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-envoy-'));
  const bootstrapPath = join(dir, 'bootstrap.json');
  const adminAddressPath = join(dir, 'admin-address');
  writeFileSync(bootstrapPath, JSON.stringify(opts.bootstrap), { mode: 0o600 });

  const args = [
    '-c', bootstrapPath,
    '--admin-address-path', adminAddressPath,
    // Hot restart needs a shared-memory region per base id; several local Envoys (tests, bench) would collide.
    '--disable-hot-restart',
    '--log-level', opts.logLevel ?? 'warning',
    ...(opts.concurrency ? ['--concurrency', String(opts.concurrency)] : []),
  ];
  // Its own process group, so a terminal's Ctrl-C reaches only us: Envoy is then stopped as part of
  // an orderly shutdown instead of dying on its own first and looking like a crash.
  const child = spawn(opts.envoyPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.set(child, dir);

  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const logTail = (lines = 30) => log.trimEnd().split('\n').slice(-lines).join('\n');

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    running.delete(child);
    spawnError = err;
  });
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null && !spawnError) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    const ready = await waitUntilServing(opts.bootstrap, adminAddressPath, opts.readyTimeoutMs ?? 30_000, () => {
      if (spawnError) throw new EnvoyStartError(`could not run Envoy (${opts.envoyPath}): ${spawnError.message}`, '');
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new EnvoyStartError(`Envoy exited during startup (${child.exitCode ?? child.signalCode})`, logTail());
      }
    });
    return { ...ready, url: `http://127.0.0.1:${ready.port}`, adminUrl: `http://127.0.0.1:${ready.adminPort}`, exited, logTail, stop };
  } catch (err) {
    await stop();
    if (err instanceof EnvoyStartError) throw err;
    throw new EnvoyStartError((err as Error).message, logTail());
  }
}

/**
 * Resolves once the admin interface reports the server LIVE and the listener accepts connections.
 * `check` throws when the process has died, so a broken config fails fast instead of timing out.
 */
async function waitUntilServing(bootstrap: object, adminAddressPath: string, timeoutMs: number, check: () => void) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    const admin = readAdminAddress(adminAddressPath);
    if (admin) {
      const port = await listenerPort(admin, bootstrap);
      if (port !== undefined && (await accepts(port))) return { port, adminPort: Number(admin.split(':').pop()) };
    }
    if (Date.now() > deadline) throw new Error(`Envoy did not start serving within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function readAdminAddress(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The listener's bound port once the server is LIVE; looked up because the bootstrap may say 0. */
async function listenerPort(admin: string, bootstrap: object): Promise<number | undefined> {
  try {
    const ready = await fetch(`http://${admin}/ready`);
    await ready.text();
    if (!ready.ok) return undefined;
    const configured = (bootstrap as { static_resources: { listeners: { address: { socket_address: { port_value: number } } }[] } })
      .static_resources.listeners[0].address.socket_address.port_value;
    if (configured !== 0) return configured;
    const res = await fetch(`http://${admin}/listeners?format=json`);
    const body = (await res.json()) as { listener_statuses?: { local_address?: { socket_address?: { port_value?: number } } }[] };
    return body.listener_statuses?.[0]?.local_address?.socket_address?.port_value;
  } catch {
    return undefined;
  }
}

async function accepts(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}
