// The config REST API (docs/config-api.md): read, replace, merge-patch, validate, history and
// rollback of the routing config. Writes need the admin token; versions double as ETags.

import { Router, type Request, type Response } from 'express';
import { parseConfigDocument } from '../config/load.ts';
import { UnknownVersionError, type ActiveConfig, type LiveConfig } from '../config/live.ts';
import { ConfigError } from '../config/schema.ts';
import { StoreError, VersionConflictError } from '../config/store/types.ts';
import { methodNotAllowed, parseJsonBody, rawBody, sendError } from '../http.ts';
import { isObject } from '../validate.ts';
import { requireAdminToken } from './auth.ts';
import { mergePatch } from './merge-patch.ts';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

export interface ConfigRoutesOptions {
  readonly live: LiveConfig;
  readonly adminToken: string | undefined;
  readonly maxBodyBytes: number;
}

export function createConfigRouter({ live, adminToken, maxBodyBytes }: ConfigRoutesOptions): Router {
  const router = Router();
  const body = rawBody(maxBodyBytes);
  const auth = requireAdminToken(adminToken);

  router.get('/v1/config', (_req, res) => {
    const active = live.current();
    setVersionHeaders(res, active);
    res.json(active.document);
  });
  router.put('/v1/config', auth, body, async (req, res) => {
    const document = readDocument(req, res);
    if (document === undefined) return;
    await write(res, () => live.apply(document.value, ifMatch(req)));
  });
  router.patch('/v1/config', auth, body, async (req, res) => {
    const patch = readDocument(req, res);
    if (patch === undefined) return;
    if (!isObject(patch.value)) {
      sendError(res, 400, 'a merge patch (RFC 7396) must be a JSON object', 'invalid_request');
      return;
    }
    // Read the base and apply under one If-Match, so a concurrent write turns this one into a 409
    // instead of silently merging onto a config the client never saw.
    const base = live.current();
    await write(res, () => live.apply(mergePatch(base.document, patch.value), ifMatch(req) ?? base.version));
  });
  router.all('/v1/config', methodNotAllowed(['GET', 'PUT', 'PATCH']));

  router.post('/v1/config/validate', body, (req, res) => {
    const document = readDocument(req, res);
    if (document === undefined) return;
    try {
      live.check(document.value, 'request body');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      sendInvalid(res, err);
      return;
    }
    res.json({ valid: true });
  });
  router.all('/v1/config/validate', methodNotAllowed(['POST']));

  router.get('/v1/config/history', async (_req, res) => {
    const current = live.current().version;
    const versions = await live.history();
    res.json({ current, versions: versions.map((v) => ({ version: v.version, updated_at: v.updated_at, current: v.version === current })) });
  });
  router.all('/v1/config/history', methodNotAllowed(['GET']));

  router.post('/v1/config/rollback', auth, body, async (req, res) => {
    const parsed = parseJsonBody(req, res);
    if (parsed === undefined) return;
    const version = isObject(parsed.value) ? parsed.value.version : undefined;
    if (!Number.isInteger(version) || (version as number) < 1) {
      sendError(res, 400, 'version: expected a positive integer naming a version from GET /v1/config/history, e.g. {"version": 3}', 'invalid_request');
      return;
    }
    await write(res, () => live.rollback(version as number, ifMatch(req)), version as number);
  });
  router.all('/v1/config/rollback', methodNotAllowed(['POST']));

  return router;
}

class IfMatchError extends Error {}

/** The version an `If-Match` header names (`"5"`, `W/"5"` or `5`); undefined without one or for `*`. */
function ifMatch(req: Request): number | undefined {
  const header = req.get('if-match')?.trim();
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header);
  if (match === null) throw new IfMatchError(`If-Match: expected a config version ETag such as "5" (from GET /v1/config), got ${JSON.stringify(header)}`);
  return Number(match[1]);
}

/** The request body as a config document: YAML for YAML content types, JSON otherwise. */
function readDocument(req: Request, res: Response): { value: unknown } | undefined {
  const type = (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!YAML_TYPES.includes(type)) return parseJsonBody(req, res);
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (text.trim() === '') {
    sendError(res, 400, 'request body is empty; expected a config document', 'invalid_request');
    return undefined;
  }
  try {
    return { value: parseConfigDocument(text, 'yaml', 'request body') };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    sendInvalid(res, err);
    return undefined;
  }
}

async function write(res: Response, apply: () => Promise<ActiveConfig>, rolledBackTo?: number): Promise<void> {
  try {
    const active = await apply();
    setVersionHeaders(res, active);
    res.json({ version: active.version, updated_at: active.updated_at, ...(rolledBackTo === undefined ? {} : { rolled_back_to: rolledBackTo }) });
  } catch (err) {
    if (err instanceof ConfigError) sendInvalid(res, err);
    else if (err instanceof IfMatchError) sendError(res, 400, err.message, 'invalid_if_match');
    else if (err instanceof VersionConflictError) {
      sendError(res, 409, `${err.message}; GET /v1/config for the current version and retry with If-Match`, 'version_conflict');
    } else if (err instanceof UnknownVersionError) sendError(res, 404, err.message, 'unknown_version');
    else if (err instanceof StoreError) sendError(res, 503, `config store: ${err.message}`, 'store_unavailable');
    else throw err;
  }
}

function setVersionHeaders(res: Response, active: ActiveConfig): void {
  res.set('etag', `"${active.version}"`);
  res.set('x-switchyard-config-version', String(active.version));
}

/** 400 listing each problem with its JSON path, e.g. {"path": "models[0].name", "message": "..."}. */
function sendInvalid(res: Response, err: ConfigError): void {
  const errors = err.problems.map((problem) => {
    const at = problem.indexOf(': ');
    return at < 0 ? { path: '(root)', message: problem } : { path: problem.slice(0, at), message: problem.slice(at + 2) };
  });
  res.locals.errorCode = 'invalid_config';
  res.status(400).json({
    error: { message: `invalid config: ${err.problems.join('; ')}`, type: 'invalid_request_error', code: 'invalid_config', errors },
  });
}
