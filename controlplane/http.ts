// HTTP plumbing shared by the control plane and the demo LLM: JSON error bodies, error handlers for
// body parsing and unknown routes, and listening/closing with clear messages.

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';

export interface ApiError {
  readonly message: string;
  readonly type: string;
  readonly code: string;
}

/**
 * Every error answered by Switchyard's own servers has this OpenAI-compatible shape. The code is also
 * left in `res.locals.errorCode` for middleware that counts errors once the response has finished.
 */
export function sendError(res: Response, status: number, message: string, code: string): void {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  const error: ApiError = { message, type, code };
  res.locals.errorCode = code;
  res.status(status).json({ error });
}

/** Answers 405 with `Allow` for a known path requested with another method. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req, res) => {
    res.set('allow', allowed.join(', '));
    sendError(res, 405, `method ${req.method} not allowed on ${req.path} (allowed: ${allowed.join(', ')})`, 'method_not_allowed');
  };
}

export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, `no such endpoint: ${req.method} ${req.path}`, 'not_found');
};

/** Deepest nesting of arrays and objects a JSON body may have (checked before JSON.parse recurses). */
export const MAX_JSON_DEPTH = 64;

/** Whether `bytes` (any JSON text) opens more than `max` nested arrays or objects at some point. */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Reads a request body of at most `maxBytes` as raw bytes, whatever its content type: the API's
 * bodies are defined to be JSON however the client labelled them. Larger bodies get 413.
 */
export function rawBody(maxBytes: number): RequestHandler {
  return express.raw({ limit: maxBytes, type: () => true });
}

/**
 * Parses a body read by `rawBody()` as JSON. Answers 400 and returns undefined when the body is
 * empty or not JSON; the value is wrapped because `null` is valid JSON.
 */
export function parseJsonBody(req: Request, res: Response): { value: unknown } | undefined {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (raw.length === 0) {
    sendError(res, 400, 'request body is empty; expected a JSON object', 'invalid_request');
    return undefined;
  }
  if (nestsDeeperThan(raw, MAX_JSON_DEPTH)) {
    sendError(res, 400, `request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`, 'too_deep');
    return undefined;
  }
  try {
    return { value: JSON.parse(raw.toString('utf8')) };
  } catch (err) {
    sendError(res, 400, `request body is not valid JSON: ${(err as Error).message}`, 'invalid_json');
    return undefined;
  }
}

// body-parser tags its errors with `type`; map them to precise API errors.
const BODY_ERRORS: Readonly<Record<string, { status: number; code: string; message: (err: BodyParserError) => string }>> = {
  'entity.too.large': { status: 413, code: 'body_too_large', message: (err) => `request body is larger than the limit of ${err.limit} bytes` },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: (err) => err.message },
  'request.aborted': { status: 400, code: 'request_aborted', message: () => 'request aborted while reading the body' },
  'request.size.invalid': { status: 400, code: 'invalid_content_length', message: () => 'request body size does not match content-length' },
};

interface BodyParserError extends Error {
  readonly type?: string;
  readonly limit?: number;
}

/** The last middleware: body-parser errors become precise 4xx, anything else a logged 500. */
export const errorHandler: ErrorRequestHandler = (err: BodyParserError, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const known = err.type === undefined ? undefined : BODY_ERRORS[err.type];
  if (known !== undefined) {
    sendError(res, known.status, known.message(err), known.code);
    return;
  }
  console.error(`${req.method} ${req.path}:`, err);
  sendError(res, 500, 'internal error', 'internal_error');
};

export interface Listening {
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

// In-flight requests get this long to finish on close before their connections are cut.
const DRAIN_TIMEOUT_MS = 10_000;
/** A client that trickles its headers or body holds a socket; Node answers 408 past these. */
export interface Timeouts {
  readonly headersMs: number;
  readonly requestMs: number;
}
export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, requestMs: 30_000 };

/** Listens on host:port (0 picks a free port); `name` prefixes the error for a port in use. */
export function listen(app: Express, port: number, host: string, name: string, timeouts: Timeouts = DEFAULT_TIMEOUTS): Promise<Listening> {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // Node checks the two timeouts this often; a tenth of the shorter one keeps them close to exact.
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, timeouts.headersMs / 10)),
    },
    app,
  );
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new Error(`${name}: cannot listen on ${where}: port ${port} is already in use`));
      else if (err.code === 'EACCES') reject(new Error(`${name}: cannot listen on ${where}: permission denied for port ${port}`));
      else reject(new Error(`${name}: cannot listen on ${where}: ${err.message}`));
    });
    server.listen(port, host, () => {
      resolve({ port: (server.address() as AddressInfo).port, close: () => closeServer(server, inFlight) });
    });
  });
}

function closeServer(server: Server, inFlight: ReadonlySet<ServerResponse>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err === undefined ? resolve() : reject(err)));
    // A keep-alive connection would hold close() open until the client drops it: idle ones are
    // closed now, busy ones as soon as their response is done and the socket is idle again.
    server.closeIdleConnections();
    for (const res of inFlight) res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
    setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS).unref();
  });
}
