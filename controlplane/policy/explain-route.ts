// POST /v1/route/explain: the decision /v1/route would make for a request, with its whole
// explanation, for operators and tests of a policy. Nothing is routed, counted or logged.
//
// The body is either a contract route request (it has `version`) or the short form
// {"prompt", "model"?, "system"?, "headers"?} for people typing requests by hand.

import express, { type RequestHandler, type Router } from 'express';
import { OverloadedError } from '../classify/encoder.ts';
import type { LiveConfig } from '../config/live.ts';
import { CONTRACT_VERSION, parseRouteRequest, readHeaders, RouteRequestError, type RouteRequest } from '../contract.ts';
import { methodNotAllowed, parseJsonBody, sendError } from '../http.ts';
import { sendOverloaded } from '../limits.ts';
import { checkKnownKeys, isObject, Issues, readString, readStringList, typeName } from '../validate.ts';

export const EXPLAIN_PATH = '/v1/route/explain';
const SHORT_FORM_KEYS = ['prompt', 'model', 'system', 'context', 'headers'] as const;

export interface ExplainRouteOptions {
  readonly live: LiveConfig;
  /** Run before the handler in this order, e.g. the in-flight limit, readiness and the raw body reader. */
  readonly before: readonly RequestHandler[];
}

export function createExplainRouter({ live, before }: ExplainRouteOptions): Router {
  const router = express.Router();
  router.post(EXPLAIN_PATH, ...before, async (req, res) => {
    const parsed = parseJsonBody(req, res);
    if (parsed === undefined) return;
    // Read once: request defaults and the decision come from one config version.
    const { config, decide, version } = live.current();
    let request: RouteRequest;
    try {
      request = parseExplainRequest(parsed.value, config.trigger_models[0] as string);
    } catch (err) {
      if (!(err instanceof RouteRequestError)) throw err;
      sendError(res, 400, err.message, err.code);
      return;
    }
    try {
      const outcome = await decide(request);
      res.json({
        config_version: version,
        decision: outcome.decision,
        category: outcome.category,
        reason: outcome.reason,
        tenant: outcome.tenant,
        explanation: outcome.explanation ?? null,
      });
    } catch (err) {
      if (!(err instanceof OverloadedError)) throw err;
      sendOverloaded(res, err);
    }
  });
  router.all(EXPLAIN_PATH, methodNotAllowed(['POST']));
  return router;
}

/**
 * A contract route request as it is, or the short form completed as an OpenAI chat request for
 * `trigger` (the first trigger name) unless it names a model; header names are lower-cased as the
 * filter sends them.
 */
export function parseExplainRequest(body: unknown, trigger: string): RouteRequest {
  if (isObject(body) && body.version !== undefined) return parseRouteRequest(body);
  if (!isObject(body)) throw new RouteRequestError(`request body must be a JSON object, got ${typeName(body)}`, 'invalid_request');
  const issues = new Issues();
  // Unlike the contract, a hand-written request refuses unknown fields: a typo would otherwise
  // silently explain a different request.
  checkKnownKeys(body, '', SHORT_FORM_KEYS, issues);
  const prompt = readString(body, 'prompt', '', issues, { required: true });
  const model = readString(body, 'model', '', issues, { required: false });
  const system = readString(body, 'system', '', issues, { required: false });
  const context = readStringList(body, 'context', '', issues, { required: false });
  const headers = readHeaders(body.headers, issues);
  if (!issues.empty) throw new RouteRequestError(issues.list.join('; '), 'invalid_request');
  return {
    version: CONTRACT_VERSION,
    api: 'openai.chat',
    path: '/v1/chat/completions',
    model: model ?? trigger,
    ...(system === undefined ? {} : { system }),
    prompt: prompt as string,
    ...(context === undefined ? {} : { context }),
    stream: false,
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  };
}
