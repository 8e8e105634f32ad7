// Token usage and cost over time, for GET /v1/usage: per-minute totals by (model, category, tenant),
// kept for a day. The labels are bounded before they get here, so memory is bounded too: at most
// minutes x label combinations entries.

export const RETENTION_MS = 24 * 60 * 60 * 1000;
export const BUCKET_MS = 60 * 1000;

/** One routed response's usage with its bounded labels; cost null when the model has no prices. */
export interface PricedUsage {
  readonly model: string;
  readonly category: string;
  readonly tenant: string;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly cost_usd: number | null;
}

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Sum over requests to models with prices. */
  cost_usd: number;
  /** Requests to models without prices: their tokens count, their cost is unknown. */
  unpriced_requests: number;
}

export type UsageDimension = 'model' | 'category' | 'tenant';
export const USAGE_DIMENSIONS: readonly UsageDimension[] = ['model', 'category', 'tenant'];

export interface UsageSummary {
  readonly window: { readonly from: string; readonly to: string; readonly seconds: number };
  readonly totals: UsageTotals;
  readonly by_model: Array<{ model: string } & UsageTotals>;
  readonly by_category: Array<{ category: string } & UsageTotals>;
  readonly by_tenant: Array<{ tenant: string } & UsageTotals>;
}

interface Entry {
  readonly labels: Record<UsageDimension, string>;
  readonly totals: UsageTotals;
}

const zero = (): UsageTotals => ({ requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, unpriced_requests: 0 });

function addTo(into: UsageTotals, from: UsageTotals): void {
  into.requests += from.requests;
  into.prompt_tokens += from.prompt_tokens;
  into.completion_tokens += from.completion_tokens;
  into.cost_usd += from.cost_usd;
  into.unpriced_requests += from.unpriced_requests;
}

export class UsageLedger {
  private readonly buckets = new Map<number, Map<string, Entry>>();
  // The minute of the last pruning: buckets age out a minute at a time, so once a minute is enough.
  private prunedAt = -1;

  constructor(private readonly now: () => number = Date.now) {}

  add(u: PricedUsage): void {
    const minute = Math.floor(this.now() / BUCKET_MS);
    this.prune(minute);
    let bucket = this.buckets.get(minute);
    if (bucket === undefined) this.buckets.set(minute, (bucket = new Map()));
    const key = `${u.model}\u0000${u.category}\u0000${u.tenant}`;
    let entry = bucket.get(key);
    if (entry === undefined) bucket.set(key, (entry = { labels: { model: u.model, category: u.category, tenant: u.tenant }, totals: zero() }));
    addTo(entry.totals, {
      requests: 1,
      prompt_tokens: u.prompt_tokens,
      completion_tokens: u.completion_tokens,
      cost_usd: u.cost_usd ?? 0,
      unpriced_requests: u.cost_usd === null ? 1 : 0,
    });
  }

  /**
   * Totals over the last `windowMs` (whole minutes: the current one and those before it), only
   * over entries whose labels equal `filter`'s; grouped by each dimension, most expensive first.
   */
  summarize(windowMs: number, filter: Partial<Record<UsageDimension, string>> = {}): UsageSummary {
    const current = Math.floor(this.now() / BUCKET_MS);
    this.prune(current);
    const first = current - Math.ceil(windowMs / BUCKET_MS) + 1;
    const totals = zero();
    const groups = { model: new Map<string, UsageTotals>(), category: new Map<string, UsageTotals>(), tenant: new Map<string, UsageTotals>() };
    for (const [minute, bucket] of this.buckets) {
      if (minute < first) continue;
      for (const { labels, totals: t } of bucket.values()) {
        if (USAGE_DIMENSIONS.some((d) => filter[d] !== undefined && filter[d] !== labels[d])) continue;
        addTo(totals, t);
        for (const d of USAGE_DIMENSIONS) {
          const g = groups[d];
          const name = labels[d];
          if (!g.has(name)) g.set(name, zero());
          addTo(g.get(name)!, t);
        }
      }
    }
    const rows = <D extends UsageDimension>(d: D) =>
      [...groups[d]]
        .map(([name, t]) => ({ [d]: name, ...rounded(t) }) as { [K in D]: string } & UsageTotals)
        .sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests || (a[d] < b[d] ? -1 : 1));
    return {
      window: { from: new Date(first * BUCKET_MS).toISOString(), to: new Date(this.now()).toISOString(), seconds: Math.round(windowMs / 1000) },
      totals: rounded(totals),
      by_model: rows('model'),
      by_category: rows('category'),
      by_tenant: rows('tenant'),
    };
  }

  private prune(currentMinute: number): void {
    if (currentMinute === this.prunedAt) return;
    this.prunedAt = currentMinute;
    const oldest = currentMinute - RETENTION_MS / BUCKET_MS + 1;
    for (const minute of this.buckets.keys()) if (minute < oldest) this.buckets.delete(minute);
  }
}

// Costs are sums of small products; a micro-dollar is finer than any price list.
function rounded(t: UsageTotals): UsageTotals {
  return { ...t, cost_usd: Math.round(t.cost_usd * 1e6) / 1e6 };
}
