// Structured logs: one JSON object per line. A decision is logged at debug level with its bounded
// labels and compact explanation; the prompt only when explicitly enabled (--log-prompts).

import type { RouteRequest } from './contract.ts';
import type { Outcome } from './decide.ts';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Include prompt and system prompt text in decision lines. Off by default: they may hold personal data. */
  readonly logPrompts?: boolean;
  readonly write?: (line: string) => void;
}

export interface Logger {
  decision(outcome: Outcome, request: RouteRequest, seconds: number, configVersion: number): void;
}

export function createLogger({ level = 'info', logPrompts = false, write = (line) => process.stdout.write(`${line}\n`) }: LoggerOptions = {}): Logger {
  const debug = LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf('debug');
  return {
    decision(outcome, request, seconds, configVersion) {
      if (!debug) return;
      const { decision } = outcome;
      write(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'debug',
          msg: 'decision',
          action: decision.action,
          ...(decision.action === 'route' ? { model: decision.model } : {}),
          category: outcome.category,
          reason: outcome.reason,
          tenant: outcome.tenant,
          api: request.api,
          stream: request.stream,
          config_version: configVersion,
          duration_ms: Math.round(seconds * 1e6) / 1e3,
          ...(decision.action === 'route' && decision.explanation !== undefined ? { explanation: decision.explanation } : {}),
          ...(logPrompts ? { prompt: request.prompt, ...(request.system === undefined ? {} : { system: request.system }) } : {}),
        }),
      );
    },
  };
}
