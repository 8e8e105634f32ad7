// The control plane's HTTP API (docs/api.md): the decision endpoint the filter calls, plus models,
// health, readiness, metrics and (with the encoder) the classify endpoints.

import express, { type RequestHandler, type Response } from 'express';
import type { EncoderClassifier } from './classify/classifier.ts';
import { OverloadedError } from './classify/encoder.ts';
import { createConfiguredClassifier } from './classify/from-config.ts';
import { createClassifyRouter } from './classify/routes.ts';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { parseRouteRequest, RouteRequestError } from './contract.ts';
import { createDecisionEngine } from './decide.ts';
import { errorHandler, listen, methodNotAllowed, notFound, parseJsonBody, sendError, type Listening } from './http.ts';
import { createMetrics } from './metrics.ts';
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
  /**
   * Replaces the classifier the config asks for (rules, plus the encoder unless
   * `classifier.encoder: false`); such a classifier serves no /v1/classify.
   */
  readonly createClassifier?: (config: Config) => Classifier;
}

export interface ControlPlane extends Listening {
  /**
   * Settles when the classifier has loaded, or rejects with why it could not (e.g. a
   * DeviceUnavailableError): the CLI exits on that rather than serve unready forever.
   */
  readonly ready: Promise<void>;
}

// Seconds an overloaded client is asked to wait: the encoder queue drains within milliseconds.
const RETRY_AFTER_SECONDS = '1';

/**
 * Loads the config (throwing ConfigError when it is invalid) and builds the classifier (throwing
 * ModelMissingError when the encoder's files are absent), then starts serving. The server answers
 * at once; /readyz and /v1/route report 503 until the classifier has finished loading.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { port, host = '127.0.0.1', configPath = DEFAULT_CONFIG_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const config = loadConfig(configPath);
  const { classifier, encoder }: { classifier: Classifier; encoder?: EncoderClassifier } =
    options.createClassifier === undefined ? createConfiguredClassifier(config, configPath) : { classifier: options.createClassifier(config) };
  const decide = createDecisionEngine(config, classifier);
  const metrics = createMetrics();
  const createdAt = Math.floor(Date.now() / 1000);

  const readiness = { ready: false, problem: 'classifier is still loading' };
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
      let outcome;
      try {
        outcome = await decide(request);
      } catch (err) {
        if (!(err instanceof OverloadedError)) throw err;
        sendOverloaded(res, err);
        return;
      }
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
    res.json({ status: 'ready', classifier: { encoder: encoder !== undefined, provider: encoder?.provider ?? null } });
  });
  app.all('/readyz', methodNotAllowed(['GET']));

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.all('/metrics', methodNotAllowed(['GET']));

  if (encoder !== undefined) {
    // Routed by method and path rather than app.use(), so the router's body parser and readiness
    // check never see other endpoints' requests.
    const paths = ['/v1/classify', '/v1/classify/batch'];
    app.post(paths, createClassifyRouter(encoder, { isReady: () => readiness.ready, bodyLimit: `${maxBodyBytes}b` }));
    app.all(paths, methodNotAllowed(['POST']));
  }

  app.use(notFound);
  app.use(errorHandler);

  const listening = await listen(app, port, host, 'switchyard control plane');
  // Loading starts only once the port is ours: a start that fails to listen leaves nothing loaded.
  const ready = classifier.init().then(
    () => {
      readiness.ready = true;
      if (encoder?.provider !== undefined) metrics.setInferenceProvider(encoder.provider);
    },
    (err: Error) => {
      readiness.problem = `classifier failed to load: ${err.message}`;
      console.error(`switchyard control plane: ${readiness.problem}`);
      throw err;
    },
  );
  // Marked handled here; callers that await `ready` still see the rejection.
  ready.catch(() => {});
  return {
    port: listening.port,
    ready,
    close: async () => {
      await listening.close();
      // Closing mid-load would leave the loaded model behind; let loading finish first.
      await ready.catch(() => {});
      await classifier.close?.();
    },
  };
}

/** 429 with Retry-After: the encoder queue is full, which passes within moments. */
function sendOverloaded(res: Response, err: OverloadedError): void {
  res.set('retry-after', RETRY_AFTER_SECONDS);
  sendError(res, 429, err.message, err.code);
}
