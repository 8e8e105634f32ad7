// HTTP surface of the encoder classifier: POST /v1/classify and POST /v1/classify/batch.
// Errors are JSON {error:{code,message}} with the status saying whose fault it is: 400 for the
// request, 413 for size, 429 for a full queue (retry later), 503 before the model is loaded.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { InputError, type EncoderClassifier } from './classifier.ts';
import { OverloadedError } from './encoder.ts';

export interface ClassifyRouterOptions {
  /** Largest accepted request body (express.json limit), default "1mb". */
  bodyLimit?: string;
  /** Most texts in one batch request, default 64. */
  maxBatch?: number;
  /** Whether the classifier finished init(); until then requests get 503. */
  isReady?: () => boolean;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface Message { role: string; content: unknown }

/**
 * What a request is about: `text` (with an optional `context`), or the last user message with text
 * of `messages` with the earlier ones as its context (as the decision contract's `prompt` and
 * `context`).
 */
function inputOf(body: Record<string, unknown>, where = ''): { text: string; context?: string[] } {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(body, k);
  if (has('text') && has('messages')) throw new HttpError(400, 'invalid_request', `${where}give either "text" or "messages", not both`);
  if (has('text')) {
    if (typeof body.text !== 'string') throw new HttpError(400, 'invalid_type', `${where}"text" must be a string, got ${kind(body.text)}`);
    if (!has('context')) return { text: body.text };
    const context = body.context;
    if (!Array.isArray(context)) throw new HttpError(400, 'invalid_type', `${where}"context" must be an array of strings (the earlier user messages, oldest first), got ${kind(context)}`);
    context.forEach((c: unknown, i) => {
      if (typeof c !== 'string') throw new HttpError(400, 'invalid_type', `${where}context[${i}] must be a string, got ${kind(c)}`);
    });
    return { text: body.text, context: context as string[] };
  }
  if (has('context')) throw new HttpError(400, 'invalid_request', `${where}"context" goes with "text"; with "messages" the earlier user messages are the context`);
  if (has('messages')) {
    const msgs = body.messages;
    if (!Array.isArray(msgs) || msgs.length === 0) throw new HttpError(400, 'invalid_type', `${where}"messages" must be a non-empty array`);
    msgs.forEach((m: unknown, i) => {
      if (typeof m !== 'object' || m === null || typeof (m as Message).role !== 'string') {
        throw new HttpError(400, 'invalid_type', `${where}messages[${i}] must be an object with a string "role"`);
      }
    });
    const users = (msgs as Message[]).flatMap((m, i) => (m.role === 'user' ? [contentText(m.content, `${where}messages[${i}].content`)] : []));
    if (users.length === 0) throw new HttpError(400, 'invalid_request', `${where}"messages" has no message with role "user"`);
    // As the filter reads a conversation: a user message without text (a tool result, an image
    // alone) is neither the prompt nor its context.
    const texts = users.filter((t) => t !== '');
    if (texts.length === 0) throw new HttpError(400, 'empty_text', `${where}"messages" has no user message with text`);
    const text = texts[texts.length - 1];
    return texts.length === 1 ? { text } : { text, context: texts.slice(0, -1) };
  }
  throw new HttpError(400, 'invalid_request', `${where}body needs "text" (string) or "messages" (array)`);
}

/** OpenAI-style content: a string, or an array of parts of which the text parts count (`text`, and the Responses API's `input_text`). */
function contentText(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .filter((p): p is { type: string; text: string } => typeof p === 'object' && p !== null && ['text', 'input_text'].includes((p as { type?: unknown }).type as string) && typeof (p as { text?: unknown }).text === 'string')
      .map((p) => p.text)
      .join('\n');
  }
  throw new HttpError(400, 'invalid_type', `${where} must be a string or an array of content parts, got ${kind(content)}`);
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function wantsEmbedding(body: Record<string, unknown>): boolean {
  if (body.embedding === undefined) return false;
  if (typeof body.embedding !== 'boolean') throw new HttpError(400, 'invalid_type', `"embedding" must be a boolean, got ${kind(body.embedding)}`);
  return body.embedding;
}

function objectBody(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw new HttpError(400, 'invalid_request', 'request body must be a JSON object (Content-Type: application/json)');
  }
  return b as Record<string, unknown>;
}

function toHttp(err: unknown, where = ''): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof InputError) return new HttpError(err.code === 'text_too_long' ? 413 : 400, err.code, where + err.message);
  if (err instanceof OverloadedError) return new HttpError(429, err.code, err.message);
  return new HttpError(500, 'internal', 'classification failed');
}

export function createClassifyRouter(classifier: EncoderClassifier, opts: ClassifyRouterOptions = {}): Router {
  const maxBatch = opts.maxBatch ?? 64;
  const router = express.Router();
  // strict: a bare JSON string or number is a client error here, not a body to coerce.
  router.use(express.json({ limit: opts.bodyLimit ?? '1mb', strict: true, type: () => true }));
  router.use((_req: Request, _res: Response, next: NextFunction) => {
    if (opts.isReady && !opts.isReady()) return next(new HttpError(503, 'not_ready', 'classifier is still loading its model'));
    next();
  });

  router.post('/v1/classify', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = objectBody(req);
      const embedding = wantsEmbedding(body);
      const { text, context } = inputOf(body);
      res.json(await classifier.analyze(text, { embedding, ...(context === undefined ? {} : { context }) }));
    } catch (err) {
      next(toHttp(err));
    }
  });

  router.post('/v1/classify/batch', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = objectBody(req);
      const embedding = wantsEmbedding(body);
      const texts = body.texts;
      if (!Array.isArray(texts)) throw new HttpError(400, 'invalid_type', `"texts" must be an array of strings, got ${kind(texts)}`);
      if (texts.length === 0) throw new HttpError(400, 'empty_batch', '"texts" is empty');
      if (texts.length > maxBatch) throw new HttpError(413, 'batch_too_large', `"texts" has ${texts.length} items; the limit is ${maxBatch}`);
      texts.forEach((t, i) => {
        if (typeof t !== 'string') throw new HttpError(400, 'invalid_type', `texts[${i}] must be a string, got ${kind(t)}`);
      });
      // Items are type-checked before any is encoded, so a malformed batch costs no model time.
      const results = await Promise.all((texts as string[]).map((t, i) =>
        classifier.analyze(t, { embedding }).catch((err) => { throw toHttp(err, `texts[${i}]: `); })));
      res.json({ results });
    } catch (err) {
      next(toHttp(err));
    }
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    // body-parser's own errors: malformed JSON and oversize bodies.
    if (e.type === 'entity.parse.failed') return void res.status(400).json({ error: { code: 'invalid_json', message: `request body is not valid JSON: ${e.message}` } });
    if (e.type === 'entity.too.large') return void res.status(413).json({ error: { code: 'body_too_large', message: `request body exceeds ${opts.bodyLimit ?? '1mb'}` } });
    const h = err instanceof HttpError ? err : new HttpError(500, 'internal', 'classification failed');
    if (h.status === 429) res.setHeader('Retry-After', '1');
    res.status(h.status).json({ error: { code: h.code, message: h.message } });
  });
  return router;
}
