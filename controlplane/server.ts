// The control plane's HTTP API (docs/api.md): the decision endpoint the filter calls, plus models,
// health, readiness and metrics.

import express, { type RequestHandler } from 'express';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { parseRouteRequest, RouteRequestError } from './contract.ts';
import { createDecisionEngine } from './decide.ts';
import { errorHandler, listen, methodNotAllowed, notFound, parseJsonBody, sendError, type Listening } from './http.ts';
import { createMetrics } from './metrics.ts';
import { createRuleClassifier } from './rules.ts';
import type { Classifier } from './signals.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface ControlPlaneOptions {
  /** 0 picks a free port; the chosen one is returned. */
  readonly port: number;
  readonly host?: string;
  /** YAML or JSON routing config; the shipped default.yaml when omitted. */
  readonly configPath?: string;
  /** Largest accepted /v1/route body; larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** Builds the classifier from the loaded config; the rule classifier when omitted. */
  readonly createClassifier?: (config: Config) => Classifier;
}

export type ControlPlane = Listening;

/**
 * Loads the config (throwing ConfigError when it is invalid) and starts serving. The server answers
 * at once; /readyz and /v1/route report 503 until the classifier has finished loading.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { port, host = '127.0.0.1', configPath = DEFAULT_CONFIG_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const config = loadConfig(configPath);
  const classifier = (options.createClassifier ?? ((c: Config) => createRuleClassifier(c.categories)))(config);
  const decide = createDecisionEngine(config, classifier);
  const metrics = createMetrics();
  const createdAt = Math.floor(Date.now() / 1000);

  const readiness = { ready: false, problem: 'classifier is still loading' };
  classifier.init().then(
    () => {
      readiness.ready = true;
    },
    (err: Error) => {
      readiness.problem = `classifier failed to load: ${err.message}`;
      console.error(`switchyard control plane: ${readiness.problem}`);
    },
  );
  const requireReady: RequestHandler = (_req, res, next) => {
    if (readiness.ready) next();
    else sendError(res, 503, `not ready: ${readiness.problem}`, 'not_ready');
  };

  const countRejections: RequestHandler = (_req, res, next) => {
    res.on('finish', () => {
      if (res.statusCode >= 400) metrics.countRejected(String(res.locals.errorCode ?? res.statusCode));
    });
    next();
  };

  const app = express();
  app.disable('x-powered-by');

  app.post(
    '/v1/route',
    countRejections,
    requireReady,
    // Any content type: the body is defined to be JSON whatever the client labelled it.
    express.raw({ limit: maxBodyBytes, type: () => true }),
    async (req, res) => {
      const body = parseJsonBody(req, res);
      if (body === undefined) return;
      let request;
      try {
        request = parseRouteRequest(body.value);
      } catch (err) {
        if (!(err instanceof RouteRequestError)) throw err;
        sendError(res, 400, err.message, err.code);
        return;
      }
      const started = process.hrtime.bigint();
      const outcome = await decide(request);
      metrics.observeDecision(outcome, Number(process.hrtime.bigint() - started) / 1e9);
      res.json(outcome.decision);
    },
  );
  app.all('/v1/route', methodNotAllowed(['POST']));

  app.get('/v1/models', (_req, res) => {
    const triggers = config.trigger_models.map((id) => ({ id, object: 'model', owned_by: 'switchyard', created: createdAt }));
    const models = config.models.map((m) => ({ id: m.name, object: 'model', owned_by: m.backend.type, created: createdAt }));
    res.json({ object: 'list', data: [...triggers, ...models] });
  });
  app.all('/v1/models', methodNotAllowed(['GET']));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.all('/healthz', methodNotAllowed(['GET']));

  app.get('/readyz', requireReady, (_req, res) => {
    res.json({ status: 'ready' });
  });
  app.all('/readyz', methodNotAllowed(['GET']));

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.all('/metrics', methodNotAllowed(['GET']));

  app.use(notFound);
  app.use(errorHandler);

  const listening = await listen(app, port, host, 'switchyard control plane');
  return {
    port: listening.port,
    close: async () => {
      await listening.close();
      await classifier.close?.();
    },
  };
}
