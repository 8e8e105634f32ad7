// Usage reports from the filter (docs/decision-contract.md#usage-reports): the token counts of routed
// responses, with the labels the route decision carried. Parsed strictly: a report is all accepted
// or all refused, with every problem named.

import { CONTRACT_VERSION } from '../contract.ts';
import { fieldPath, indexPath, isObject, Issues, readBoolean, readNumber, readString, readStringMap, typeName } from '../validate.ts';

/** More records than a filter worker ever holds between two ticks. */
export const MAX_REPORT_RECORDS = 10_000;
// Far above any context window; a larger count is a broken reporter, not usage.
const MAX_TOKENS = 1e9;

export interface UsageRecord {
  readonly model: string;
  readonly api: string;
  readonly stream: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

export class UsageReportError extends Error {
  constructor(message: string, readonly code: 'invalid_request' | 'unsupported_version') {
    super(message);
    this.name = 'UsageReportError';
  }
}

export function parseUsageReport(body: unknown): UsageRecord[] {
  if (!isObject(body)) throw new UsageReportError(`request body must be a JSON object, got ${typeName(body)}`, 'invalid_request');
  if (body.version === undefined) throw new UsageReportError('version: missing required field', 'invalid_request');
  if (body.version !== CONTRACT_VERSION) {
    throw new UsageReportError(`version: unsupported contract version ${JSON.stringify(body.version)} (this control plane speaks ${CONTRACT_VERSION})`, 'unsupported_version');
  }
  if (body.records === undefined) throw new UsageReportError('records: missing required field', 'invalid_request');
  if (!Array.isArray(body.records)) throw new UsageReportError(`records: expected an array, got ${typeName(body.records)}`, 'invalid_request');
  if (body.records.length > MAX_REPORT_RECORDS) {
    throw new UsageReportError(`records: at most ${MAX_REPORT_RECORDS} records per report, got ${body.records.length}`, 'invalid_request');
  }
  const issues = new Issues();
  const records: UsageRecord[] = [];
  body.records.forEach((item: unknown, i: number) => {
    const path = indexPath('records', i);
    if (!isObject(item)) {
      issues.add(path, `expected an object, got ${typeName(item)}`);
      return;
    }
    const before = issues.list.length;
    const model = readString(item, 'model', path, issues, { required: true });
    const api = readString(item, 'api', path, issues, { required: true });
    const stream = readBoolean(item, 'stream', path, issues, { required: true });
    const prompt = readNumber(item, 'prompt_tokens', path, issues, { required: true, integer: true, min: 0, max: MAX_TOKENS });
    const completion = readNumber(item, 'completion_tokens', path, issues, { required: true, integer: true, min: 0, max: MAX_TOKENS });
    const labels = readStringMap(item.labels, fieldPath(path, 'labels'), issues);
    if (issues.list.length > before) return;
    records.push({ model: model!, api: api!, stream: stream!, labels, prompt_tokens: prompt!, completion_tokens: completion! });
  });
  if (!issues.empty) throw new UsageReportError(issues.list.join('; '), 'invalid_request');
  return records;
}
