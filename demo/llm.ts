// A deterministic OpenAI-compatible LLM for demos and tests. Every answer names the model that served
// it (content "[<model>] ...", the `model` field and the `x-demo-llm-model` header), so a routed
// request shows where it went.
//
// One server may serve several models. The served model is the request's `model` when it is one of
// them; a server started for a single model answers as that model whatever the request names, which
// is how a per-model Envoy cluster behaves when a request reaches it unrouted (e.g. failure-open).

import express, { type Request, type Response } from 'express';
import { errorHandler, listen, methodNotAllowed, notFound, parseJsonBody, rawBody, sendError, type Listening } from '../controlplane/http.ts';
import { isObject } from '../controlplane/validate.ts';
import { DEMO_APIS, type Answer, type DemoApi, type ServerSentEvent } from './apis.ts';

export interface DemoLLMOptions {
  /** 0 picks a free port; the chosen one is returned. */
  readonly port: number;
  readonly host?: string;
  readonly models: readonly string[];
}

export type DemoLLM = Listening;

export const MODEL_HEADER = 'x-demo-llm-model';
/** With value "1", the server answers with the exact request body bytes it received. */
export const ECHO_BODY_HEADER = 'x-demo-echo-body';

// Above the filter's largest max_body_bytes (64 MiB), so tests of oversized pass-through bodies reach us.
const MAX_BODY_BYTES = 128 * 1024 * 1024;
// Answers are streamed in at most this many content pieces.
const STREAM_PIECES = 4;

export async function startDemoLLM(options: DemoLLMOptions): Promise<DemoLLM> {
  const { port, host = '127.0.0.1', models } = options;
  if (models.length === 0) throw new Error('demo LLM: at least one model name is required');
  const created = Math.floor(Date.now() / 1000);
  let requests = 0;

  const app = express();
  app.disable('x-powered-by');
  // Raw bytes, whatever the content type: the echo mode must return them untouched.
  const body = rawBody(MAX_BODY_BYTES);

  const servedModel = (requested: unknown): string | undefined => {
    if (typeof requested === 'string' && models.includes(requested)) return requested;
    return models.length === 1 ? models[0] : undefined;
  };

  const handle = (api: DemoApi) => (req: Request, res: Response) => {
    const parsed = parseJsonBody(req, res);
    if (parsed === undefined) return;
    const body = parsed.value;
    if (!isObject(body)) {
      sendError(res, 400, 'request body must be a JSON object', 'invalid_request');
      return;
    }
    const model = servedModel(body.model);
    if (model === undefined) {
      sendError(res, 404, `model ${JSON.stringify(body.model)} is not served here (serving: ${models.join(', ')})`, 'model_not_found');
      return;
    }
    res.set(MODEL_HEADER, model);

    if (req.get(ECHO_BODY_HEADER) === '1') {
      res.type(req.get('content-type') ?? 'application/octet-stream').send(req.body);
      return;
    }
    const prompt = api.promptOf(body);
    if ('problem' in prompt) {
      sendError(res, 400, prompt.problem, 'invalid_request');
      return;
    }
    const answer = answerFor(`${api.idPrefix}${++requests}`, model, created, prompt.prompt);
    if (body.stream === true) {
      const options = isObject(body.stream_options) ? body.stream_options : {};
      writeEvents(res, api.stream(answer, options.include_usage === true));
    } else {
      res.json(api.complete(answer));
    }
  };

  for (const api of DEMO_APIS) {
    app.post(api.path, body, handle(api));
    app.all(api.path, methodNotAllowed(['POST']));
  }
  app.get('/v1/models', (_req, res) => {
    res.json({ object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'switchyard-demo', created })) });
  });
  app.all('/v1/models', methodNotAllowed(['GET']));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', models });
  });
  app.all('/healthz', methodNotAllowed(['GET']));
  app.use(notFound);
  app.use(errorHandler);

  return listen(app, port, host, `demo LLM (${models.join(', ')})`);
}

function answerFor(id: string, model: string, created: number, prompt: string): Answer {
  const quoted = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
  const text = `[${model}] This is a demo answer from ${model} to: ${JSON.stringify(quoted)}`;
  return {
    id,
    model,
    created,
    text,
    pieces: splitIntoPieces(text, STREAM_PIECES),
    // Roughly four bytes per token, like common BPE tokenizers on English text.
    promptTokens: Math.max(1, Math.ceil(Buffer.byteLength(prompt) / 4)),
    completionTokens: Math.max(1, Math.ceil(Buffer.byteLength(text) / 4)),
  };
}

/** Splits at word boundaries into at most `count` non-empty pieces that concatenate back to `text`. */
function splitIntoPieces(text: string, count: number): string[] {
  const words = text.match(/\S+\s*/g) ?? [text];
  const perPiece = Math.ceil(words.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += perPiece) pieces.push(words.slice(i, i + perPiece).join(''));
  return pieces;
}

function writeEvents(res: Response, events: readonly ServerSentEvent[]): void {
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  // One write per event, so clients (and the filter under test) see several body chunks.
  for (const { event, data } of events) res.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`);
  res.end();
}
