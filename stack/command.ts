// What every `switchyard` command shares: strict flag parsing, usage errors and process lifetime.
// Exit codes: 0 done (including a stop by Ctrl-C/SIGTERM), 1 a failure while starting or running,
// 2 bad usage.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Command {
  usage: string;
  run(args: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses flags strictly (no positionals), turning node:util's errors into one-line usage errors. */
export function parseFlags<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`switchyard ${command}: ${message}`);
  }
}

export function portFlag(command: string, flag: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`switchyard ${command}: ${flag} is required`);
    return fallback;
  }
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new UsageError(`switchyard ${command}: ${flag} must be a port number 1-65535, got "${value}"`);
  }
  return port;
}

/**
 * Waits for the first SIGINT/SIGTERM or for `failure` (a part that died on its own), runs `stop`,
 * then resolves, or throws the failure. A second signal while stopping exits at once.
 */
export async function runUntilStopped(stop: () => Promise<void>, failure: Promise<Error> = new Promise(() => {})): Promise<void> {
  let onSignal!: () => void;
  const signalled = new Promise<undefined>((resolve) => {
    onSignal = () => {
      process.once('SIGINT', () => process.exit(EXIT_FAILURE));
      process.once('SIGTERM', () => process.exit(EXIT_FAILURE));
      resolve(undefined);
    };
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const failed = await Promise.race([signalled, failure]);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await stop();
  if (failed) throw failed;
}
