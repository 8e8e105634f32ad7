// POST /v1/usage/report (decision port: the filter's reports) and GET /v1/usage (admin port: the
// summary operators read). docs/api.md#usage.

import express, { type RequestHandler, type Router } from 'express';
import type { LiveConfig } from '../config/live.ts';
import { NO_CATEGORY, type Config } from '../config/schema.ts';
import { TENANT_NONE, TENANT_OTHER } from '../decide.ts';
import { methodNotAllowed, parseJsonBody, sendError } from '../http.ts';
import type { Metrics } from '../metrics.ts';
import { RETENTION_MS, USAGE_DIMENSIONS, type PricedUsage, type UsageDimension, type UsageLedger } from './ledger.ts';
import { parseUsageReport, UsageReportError, type UsageRecord } from './report.ts';

export const REPORT_PATH = '/v1/usage/report';
export const USAGE_PATH = '/v1/usage';
/** The label of a model or category the config does not name (any more). */
export const UNKNOWN_LABEL = 'unknown';
const DEFAULT_WINDOW_MS = 60 * 60 * 1000;
const WINDOW = /^([1-9][0-9]{0,4})([mh])$/;
const QUERY_KEYS = ['window', ...USAGE_DIMENSIONS] as const;

export function createUsageReportRouter(deps: { live: LiveConfig; ledger: UsageLedger; metrics: Metrics; body: RequestHandler }): Router {
  const router = express.Router();
  router.post(REPORT_PATH, deps.body, (req, res) => {
    const parsed = parseJsonBody(req, res);
    if (parsed === undefined) return;
    let records: UsageRecord[];
    try {
      records = parseUsageReport(parsed.value);
    } catch (err) {
      if (!(err instanceof UsageReportError)) throw err;
      sendError(res, 400, err.message, err.code);
      return;
    }
    const { config } = deps.live.current();
    for (const record of records) {
      const usage = priceRecord(record, config);
      deps.ledger.add(usage);
      deps.metrics.observeUsage(usage);
    }
    res.json({ accepted: records.length });
  });
  router.all(REPORT_PATH, methodNotAllowed(['POST']));
  return router;
}

export function createUsageQueryRouter(ledger: UsageLedger): Router {
  const router = express.Router();
  router.get(USAGE_PATH, (req, res) => {
    const problems: string[] = [];
    const query = req.query as Record<string, unknown>;
    for (const key of Object.keys(query)) {
      if (!(QUERY_KEYS as readonly string[]).includes(key)) problems.push(`${key}: unknown query parameter (expected ${QUERY_KEYS.join(', ')})`);
      else if (typeof query[key] !== 'string') problems.push(`${key}: give it once, as a plain value`);
    }
    let windowMs = DEFAULT_WINDOW_MS;
    if (typeof query.window === 'string') {
      const m = WINDOW.exec(query.window);
      const ms = m === null ? NaN : Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 60_000);
      if (!(ms <= RETENTION_MS)) problems.push(`window: expected minutes or hours from 1m to 24h, such as 15m or 6h, got ${JSON.stringify(query.window)}`);
      else windowMs = ms;
    }
    if (problems.length > 0) {
      sendError(res, 400, problems.join('; '), 'invalid_request');
      return;
    }
    const filter: Partial<Record<UsageDimension, string>> = {};
    for (const d of USAGE_DIMENSIONS) if (typeof query[d] === 'string') filter[d] = query[d];
    res.json(ledger.summarize(windowMs, filter));
  });
  router.all(USAGE_PATH, methodNotAllowed(['GET']));
  return router;
}

/**
 * A record's labels bounded by the config in effect (a reporter cannot create metric series) and its
 * cost at that config's prices. A label the config does not know becomes "unknown"; a tenant is
 * named as decisions name it.
 */
export function priceRecord(record: UsageRecord, config: Config): PricedUsage {
  const model = config.models.find((m) => m.name === record.model);
  const category = record.labels.category;
  const tenant = record.labels.tenant;
  const knownCategory = category === NO_CATEGORY || config.categories.some((c) => c.name === category);
  const knownTenant = tenant === TENANT_NONE || tenant === TENANT_OTHER || (tenant !== undefined && Object.hasOwn(config.tenants.overrides, tenant));
  return {
    model: model?.name ?? UNKNOWN_LABEL,
    category: category === undefined ? NO_CATEGORY : knownCategory ? category : UNKNOWN_LABEL,
    tenant: tenant === undefined ? TENANT_NONE : knownTenant ? tenant : TENANT_OTHER,
    prompt_tokens: record.prompt_tokens,
    completion_tokens: record.completion_tokens,
    cost_usd: model?.pricing === undefined ? null : (record.prompt_tokens * model.pricing.input_per_1m + record.completion_tokens * model.pricing.output_per_1m) / 1e6,
  };
}
