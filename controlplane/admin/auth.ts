// Bearer-token check for the config API's writes. The token is compared through SHA-256 digests with
// timingSafeEqual: equal-length inputs make the comparison constant-time whatever the client sends.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { sendError } from '../http.ts';

export const TOKEN_ENV = 'SWITCHYARD_ADMIN_TOKEN';

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/**
 * The admin token: from `--admin-token-file` (a mounted Secret) when given, else from the
 * environment; undefined when neither is set. Surrounding whitespace (a trailing newline) is dropped.
 * A token file that does not exist is an optional Secret nobody created: writes stay disabled, with
 * a warning. A file that exists but cannot be read or is empty is an error.
 */
export function readAdminToken(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (m) => console.error(m),
): string | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        warn(`switchyard: --admin-token-file ${file} does not exist: config writes are disabled until it does and the control plane restarts`);
        return undefined;
      }
      throw new TokenError(`--admin-token-file ${file}: cannot read it: ${code ?? (err as Error).message}`);
    }
    const token = text.trim();
    if (token === '') throw new TokenError(`--admin-token-file ${file}: the file is empty`);
    return token;
  }
  const token = env[TOKEN_ENV]?.trim();
  return token === undefined || token === '' ? undefined : token;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Lets a request through only with `Authorization: Bearer <token>`; never logs what was sent. */
export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res, next) => {
    if (expected === undefined) {
      sendError(res, 403, `config writes are disabled: no admin token is configured (set the ${TOKEN_ENV} environment variable or start the control plane with --admin-token-file FILE)`, 'writes_disabled');
      return;
    }
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      res.set('www-authenticate', 'Bearer realm="switchyard"');
      sendError(res, 401, 'missing bearer token: send "Authorization: Bearer <token>"', 'unauthorized');
      return;
    }
    if (!timingSafeEqual(digest(match[1] as string), expected)) {
      res.set('www-authenticate', 'Bearer realm="switchyard", error="invalid_token"');
      sendError(res, 401, 'invalid bearer token', 'unauthorized');
      return;
    }
    next();
  };
}
