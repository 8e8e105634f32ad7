// Reads the assumed price table (models/routing/prices.yaml): a model either names a size tier or
// carries its own input/output prices, in USD per 1M tokens.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface Price {
  input: number;
  output: number;
}

interface PriceFile {
  tiers?: Record<string, Price>;
  models: Record<string, Partial<Price> & { tier?: string }>;
}

export function parsePrices(text: string): Map<string, Price> {
  const file = parse(text) as PriceFile;
  const prices = new Map<string, Price>();
  for (const [model, entry] of Object.entries(file.models ?? {})) {
    const price = entry.tier !== undefined ? file.tiers?.[entry.tier] : entry;
    if (!price || !(price.input! >= 0) || !(price.output! >= 0)) throw new Error(`prices: ${model} has no valid input/output price or known tier`);
    prices.set(model, { input: price.input!, output: price.output! });
  }
  return prices;
}

export const loadPrices = (path: string): Map<string, Price> => parsePrices(readFileSync(path, 'utf8'));

/** USD for one request of the given size. */
export function requestCost(price: Price, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.input + outputTokens * price.output) / 1e6;
}
