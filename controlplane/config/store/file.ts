// The file store (`--state-dir DIR`): every version in one JSON file, replaced atomically (write a
// temporary file, fsync it, rename it over the old one, fsync the directory), so a crash at any
// moment leaves either the old file or the new one, never a torn one. Processes sharing the
// directory serialize commits with a lock file and see each other's commits by watching the file.

import { closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, unwatchFile, watchFile, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../../validate.ts';
import { appendVersion, StoreError, versionOf, VersionConflictError, type ConfigStore, type ConfigVersion } from './types.ts';

export const STATE_FILE = 'config-versions.json';
const LOCK_FILE = 'config-versions.lock';
const TEMP_MARK = '.tmp-';
// A commit holds the lock for milliseconds; waiting longer means a stuck or dead holder.
const LOCK_WAIT_MS = 3000;
// How often other processes' commits are looked for: well inside the one-second convergence goal.
const WATCH_INTERVAL_MS = 200;

export function createFileStore(dir: string): ConfigStore {
  prepareDir(dir);
  const file = join(dir, STATE_FILE);
  const lock = join(dir, LOCK_FILE);
  removeStaleTemps(dir);
  // Fail at startup, not at the first request, when what is there cannot be read.
  readVersions(file);
  let seen = versionOf(readVersions(file));
  const listeners: ((v: ConfigVersion) => void)[] = [];
  let watching = false;

  const onFileChange = () => {
    let versions: ConfigVersion[];
    try {
      versions = readVersions(file);
    } catch (err) {
      console.error(`switchyard config store: ${(err as Error).message}`);
      return;
    }
    const newest = versions[0];
    if (newest === undefined || newest.version <= seen) return;
    seen = newest.version;
    for (const listener of listeners) listener(newest);
  };

  return {
    description: `file:${dir}`,
    current: async () => readVersions(file)[0],
    history: async () => readVersions(file),
    commit: async (document, expected) => {
      const release = await acquireLock(lock);
      try {
        const versions = readVersions(file);
        if (versionOf(versions) !== expected) throw new VersionConflictError(expected, versionOf(versions));
        const next = appendVersion(versions, document);
        writeAtomically(dir, file, JSON.stringify({ versions: next }, null, 2) + '\n');
        const committed = next[0] as ConfigVersion;
        // Our own commit is applied by the caller; the watcher must not announce it again.
        seen = Math.max(seen, committed.version);
        return committed;
      } finally {
        release();
      }
    },
    watch: (listener) => {
      listeners.push(listener);
      if (watching) return;
      watching = true;
      watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, onFileChange);
    },
    close: async () => {
      if (watching) unwatchFile(file, onFileChange);
      listeners.length = 0;
    },
  };
}

function prepareDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StoreError(`--state-dir ${dir}: ${code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory' : `cannot create it: ${code ?? (err as Error).message}`}`);
  }
  // Proves we may create, write and delete files there before anything depends on it.
  const probe = join(dir, `${TEMP_MARK}probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (err) {
    throw new StoreError(`--state-dir ${dir}: not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readVersions(file: string): ConfigVersion[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StoreError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`${file} is not valid JSON (${(err as Error).message}); restore it from a backup or remove it to start from --config`);
  }
  if (!isObject(parsed) || !Array.isArray(parsed.versions) || !parsed.versions.every(isVersion)) {
    throw new StoreError(`${file} does not hold config versions (expected {"versions": [{"version", "updated_at", "document"}, ...]})`);
  }
  return parsed.versions as ConfigVersion[];
}

function isVersion(value: unknown): value is ConfigVersion {
  return isObject(value) && Number.isInteger(value.version) && typeof value.updated_at === 'string' && 'document' in value;
}

function writeAtomically(dir: string, file: string, text: string): void {
  const temp = join(dir, `${STATE_FILE}${TEMP_MARK}${process.pid}-${Date.now()}`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  // The rename itself is only durable once the directory entry is on disk.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Temporary files of writers that died mid-write (their process is gone) are leftovers. */
function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const match = new RegExp(`^${STATE_FILE.replace('.', '\\.')}${TEMP_MARK}(\\d+)-`).exec(name);
    if (match && !isAlive(Number(match[1]))) unlinkSync(join(dir, name));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exclusive lock file holding the owner's pid; one left by a dead process is taken over. */
async function acquireLock(path: string): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError(`cannot create lock ${path}: ${(err as Error).message}`);
    }
    const owner = lockOwner(path);
    // No pid yet: the owner died between creating the file and writing to it, or is about to write.
    const abandoned = owner === undefined ? ageMs(path) > LOCK_WAIT_MS : !isAlive(owner);
    if (abandoned) {
      try {
        unlinkSync(path);
      } catch {
        // Another process took it over first; try again.
      }
      continue;
    }
    if (Date.now() > deadline) throw new StoreError(`config store is locked by process ${owner ?? '(unknown)'} (${path}); remove the file if that process is gone`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function lockOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
