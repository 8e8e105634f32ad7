// A bound on what the control plane takes on at once: the number of decisions in flight.

import type { RequestHandler, Response } from 'express';
import { sendError } from './http.ts';

export const DEFAULT_MAX_IN_FLIGHT = 256;
// Seconds an overloaded client is asked to wait: decisions take milliseconds.
export const RETRY_AFTER_SECONDS = '1';

/**
 * At most `max` requests through this handler at once; the next one gets 429 with Retry-After at
 * once instead of queueing without bound.
 */
export function limitInFlight(max: number, onReject: () => void = () => {}): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= max) {
      onReject();
      res.set('retry-after', RETRY_AFTER_SECONDS);
      sendError(res, 429, `too many requests in flight (limit ${max}); retry shortly`, 'overloaded');
      return;
    }
    inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}

/** 429 with Retry-After for an OverloadedError (the encoder queue is full, which passes within moments). */
export function sendOverloaded(res: Response, err: { readonly message: string; readonly code: string }): void {
  res.set('retry-after', RETRY_AFTER_SECONDS);
  sendError(res, 429, err.message, err.code);
}
