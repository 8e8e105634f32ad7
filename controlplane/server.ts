// The control plane's HTTP servers (docs/api.md). The decision port carries what Envoy's filter and
// clients call: decisions, models, classification, health. The admin port carries what operators
// and Envoy Gateway call: metrics, the config API and the filter module. Without an admin port both
// sets are served on the decision port.

import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import { createConfigRouter } from './admin/config-routes.ts';
import { createWasmRouter, defaultWasmFile } from './admin/wasm-routes.ts';
import type { EncoderClassifier } from './classify/classifier.ts';
import { OverloadedError } from './classify/encoder.ts';
import { createConfiguredClassifier } from './classify/from-config.ts';
import { createClassifyRouter } from './classify/routes.ts';
import { createCompositeClassifier } from './composite.ts';
import { createLiveConfig, type LiveConfig } from './config/live.ts';
import { DEFAULT_CONFIG_PATH, loadConfigDocument } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { createMemoryStore } from './config/store/memory.ts';
import type { ConfigStore } from './config/store/types.ts';
import { parseRouteRequest, RouteRequestError, type RouteRequest } from './contract.ts';
import { createDecisionEngine, type Outcome } from './decide.ts';
import { errorHandler, listen, methodNotAllowed, notFound, parseJsonBody, rawBody, sendError, type Listening, type Timeouts } from './http.ts';
import { DEFAULT_MAX_IN_FLIGHT, limitInFlight, sendOverloaded } from './limits.ts';
import { createLogger, type Logger } from './log.ts';
import { createTracing, type Tracing } from './telemetry/tracing.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createExplainRouter } from './policy/explain-route.ts';
import { createRuleClassifier } from './rules.ts';
import type { Classifier } from './signals.ts';
import { UsageLedger } from './usage/ledger.ts';
import { createUsageQueryRouter, createUsageReportRouter } from './usage/routes.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface ControlPlaneOptions {
  /** 0 picks a free port; the chosen one is returned. */
  readonly port: number;
  readonly host?: string;
  /** A separate port for metrics, the config API and the filter module; undefined serves them on `port`. */
  readonly adminPort?: number;
  /** YAML or JSON routing config; the shipped default.yaml when omitted. Seeds an empty store. */
  readonly configPath?: string;
  /** Where config versions live; in memory when omitted. */
  readonly store?: ConfigStore;
  /** Bearer token for config writes; without one, writes are refused. */
  readonly adminToken?: string;
  /** The filter module served at /filter/switchyard.wasm. */
  readonly wasmFile?: string;
  /** Largest accepted request body; larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** Decisions (and explanations) handled at once; more get 429 with Retry-After. */
  readonly maxInFlight?: number;
  /** How long a client may take to send its headers, and its whole request (then 408). */
  readonly timeouts?: Timeouts;
  /** Structured logs; info level (no decision lines) when omitted. */
  readonly logger?: Logger;
  /** Traces of decisions; none when omitted. Closed with the control plane. */
  readonly tracing?: Tracing;
  /**
   * Replaces the classifier the config asks for (rules, plus the encoder unless
   * `classifier.encoder: false`); such a classifier serves no /v1/classify.
   */
  readonly createClassifier?: (config: Config) => Classifier;
}

export interface ControlPlane extends Listening {
  /** The admin port; equal to `port` when the admin API shares the decision port. */
  readonly adminPort: number;
  /**
   * Settles when the classifier has loaded, or rejects with why it could not (e.g. a
   * DeviceUnavailableError): the CLI exits on that rather than serve unready forever.
   */
  readonly ready: Promise<void>;
  readonly live: LiveConfig;
}


/**
 * Loads the config (throwing ConfigError when it is invalid) and builds the classifier (throwing
 * ModelMissingError when the encoder's files are absent), then starts serving. The servers answer
 * at once; /readyz and /v1/route report 503 until the classifier has finished loading.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { port, host = '127.0.0.1', configPath = DEFAULT_CONFIG_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const seed = loadConfigDocument(configPath);
  const metrics = createMetrics();
  const store = options.store ?? createMemoryStore();

  // The classifier's model is loaded once, from the config in effect at startup; config changes
  // rebuild only the rules and the decision engine around it (live.ts refuses the rest).
  let encoder: EncoderClassifier | undefined;
  let baseClassifier: Classifier | undefined;
  const classifierFor = (config: Config): Classifier => {
    if (baseClassifier === undefined) {
      if (options.createClassifier !== undefined) baseClassifier = options.createClassifier(config);
      else ({ classifier: baseClassifier, encoder } = createConfiguredClassifier(config, configPath, metrics.observeBatch));
      return baseClassifier;
    }
    // An injected classifier stands for the whole classifier and stays as it is.
    if (options.createClassifier !== undefined) return baseClassifier;
    const rules = createRuleClassifier(config.categories);
    return encoder === undefined ? rules : createCompositeClassifier(rules, encoder);
  };
  const live = await createLiveConfig(seed, {
    store,
    build: (config) => createDecisionEngine(config, classifierFor(config)),
    onChange: (active, source) => metrics.configApplied(active.version, source),
  });

  const readiness = { ready: false, problem: 'classifier is still loading' };
  const requireReady: RequestHandler = (_req, res, next) => {
    if (readiness.ready) next();
    else sendError(res, 503, `not ready: ${readiness.problem}`, 'not_ready');
  };

  const decisionApp = newApp();
  const adminApp = options.adminPort === undefined ? decisionApp : newApp();
  const limit = limitInFlight(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const tracing = options.tracing ?? createTracing();
  const ledger = new UsageLedger();
  // Reports need no classifier, so they are taken before the control plane is ready.
  decisionApp.use(createUsageReportRouter({ live, ledger, metrics, body: rawBody(maxBodyBytes) }));
  addDecisionRoutes(decisionApp, { live, metrics, logger: options.logger ?? createLogger(), tracing, requireReady, limit, maxBodyBytes, encoder: () => encoder, isReady: () => readiness.ready });
  addHealthRoutes(decisionApp, requireReady, () => encoder);
  if (adminApp !== decisionApp) addHealthRoutes(adminApp, requireReady, () => encoder);
  adminApp.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  adminApp.all('/metrics', methodNotAllowed(['GET']));
  adminApp.use(createConfigRouter({ live, adminToken: options.adminToken, maxBodyBytes }));
  adminApp.use(createUsageQueryRouter(ledger));
  adminApp.use(createWasmRouter(options.wasmFile ?? defaultWasmFile()));
  for (const app of new Set([decisionApp, adminApp])) {
    app.use(notFound);
    app.use(errorHandler);
  }

  const servers: Listening[] = [];
  try {
    servers.push(await listen(decisionApp, port, host, 'switchyard control plane', options.timeouts));
    if (options.adminPort !== undefined) servers.push(await listen(adminApp, options.adminPort, host, 'switchyard control plane admin API', options.timeouts));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await live.close();
    throw err;
  }
  const [decision, admin = decision] = servers as [Listening, Listening?];

  // Loading starts only once the ports are ours: a start that fails to listen leaves nothing loaded.
  const classifier = baseClassifier as Classifier;
  const ready = classifier.init().then(
    () => {
      readiness.ready = true;
      if (encoder?.provider !== undefined) metrics.setInferenceProvider(encoder.provider, encoder.name);
      if (encoder !== undefined) {
        const model = encoder;
        metrics.setQueueDepthSource(() => model.queued);
      }
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
    port: decision.port,
    adminPort: admin.port,
    ready,
    live,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      await live.close();
      await tracing.close();
      // Closing mid-load would leave the loaded model behind; let loading finish first.
      await ready.catch(() => {});
      await classifier.close?.();
    },
  };
}

function newApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  return app;
}

interface DecisionDeps {
  readonly live: LiveConfig;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly tracing: Tracing;
  readonly requireReady: RequestHandler;
  readonly limit: RequestHandler;
  readonly maxBodyBytes: number;
  readonly encoder: () => EncoderClassifier | undefined;
  readonly isReady: () => boolean;
}

function addDecisionRoutes(app: Express, { live, metrics, logger, tracing, requireReady, limit, maxBodyBytes, encoder, isReady }: DecisionDeps): void {
  const countRejections: RequestHandler = (_req, res, next) => {
    res.on('finish', () => {
      if (res.statusCode >= 400) metrics.countRejected(String(res.locals.errorCode ?? res.statusCode));
    });
    next();
  };

  const body = rawBody(maxBodyBytes);
  /** Parses a contract route request and decides under one config version; undefined once answered. */
  const decideFor = async (req: Request, res: Response): Promise<{ outcome: Outcome; request: RouteRequest; version: number } | undefined> => {
    const parsed = parseJsonBody(req, res);
    if (parsed === undefined) return undefined;
    let request;
    try {
      request = parseRouteRequest(parsed.value);
    } catch (err) {
      if (!(err instanceof RouteRequestError)) throw err;
      sendError(res, 400, err.message, err.code);
      return undefined;
    }
    // Read once: the whole decision is made under one config version.
    const { decide, version } = live.current();
    try {
      return { outcome: await decide(request), request, version };
    } catch (err) {
      if (!(err instanceof OverloadedError)) throw err;
      sendOverloaded(res, err);
      return undefined;
    }
  };

  // Any content type: the body is defined to be JSON whatever the client labelled it.
  app.post('/v1/route', countRejections, limit, requireReady, body, async (req, res) => {
    const started = performance.now();
    const decided = await decideFor(req, res);
    if (decided === undefined) return;
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    metrics.observeDecision(decided.outcome, seconds);
    logger.decision(decided.outcome, decided.request, seconds, decided.version);
    tracing.decision(decided.request, decided.outcome, performance.timeOrigin + started, performance.timeOrigin + ended, decided.version);
    res.json(decided.outcome.decision);
  });
  app.all('/v1/route', methodNotAllowed(['POST']));

  app.use(createExplainRouter({ live, before: [limit, requireReady, body] }));

  const createdAt = Math.floor(Date.now() / 1000);
  const modelList = () => {
    const { config } = live.current();
    const triggers = config.trigger_models.map((id) => ({ id, object: 'model', owned_by: 'switchyard', created: createdAt }));
    const models = config.models.map((m) => ({ id: m.name, object: 'model', owned_by: m.backend.type, created: createdAt }));
    return [...triggers, ...models];
  };
  app.get('/v1/models', (_req, res) => {
    res.json({ object: 'list', data: modelList() });
  });
  // What OpenAI SDKs' models.retrieve asks; ids may hold slashes ("org/model").
  app.get('/v1/models/*id', (req, res) => {
    const id = (req.params as { id: string[] }).id.join('/');
    const model = modelList().find((m) => m.id === id);
    if (model === undefined) sendError(res, 404, `model ${JSON.stringify(id)} is neither a trigger name nor a configured model (GET /v1/models lists them)`, 'model_not_found');
    else res.json(model);
  });
  app.all(['/v1/models', '/v1/models/*id'], methodNotAllowed(['GET']));

  const model = encoder();
  if (model !== undefined) {
    // Routed by method and path rather than app.use(), so the router's body parser and readiness
    // check never see other endpoints' requests.
    const paths = ['/v1/classify', '/v1/classify/batch'];
    app.post(paths, createClassifyRouter(model, { isReady, bodyLimit: `${maxBodyBytes}b` }));
    app.all(paths, methodNotAllowed(['POST']));
  }
}

function addHealthRoutes(app: Express, requireReady: RequestHandler, encoder: () => EncoderClassifier | undefined): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.all('/healthz', methodNotAllowed(['GET']));
  app.get('/readyz', requireReady, (_req, res) => {
    const e = encoder();
    res.json({ status: 'ready', classifier: e?.provider === undefined ? { encoder: false, provider: null } : { encoder: true, provider: e.provider, model: e.name, custom_categories: e.customCategories } });
  });
  app.all('/readyz', methodNotAllowed(['GET']));
}
