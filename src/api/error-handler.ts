/**
 * The one error middleware: a `MonorailError` becomes its HTTP status and RackHD's error body
 * `{message, status, errors?}`; anything else is a 500 whose detail stays in the log. Express 5 routes
 * rejected handler promises here on its own.
 */
import type { ErrorRequestHandler } from 'express';
import { MonorailError, ValidationError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof MonorailError) {
      const status = err.httpStatus;
      if (status >= 500) log.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
      else log.debug({ code: err.code, method: req.method, url: req.originalUrl }, 'request refused');
      res.status(status).json({ message: err.message, status, ...(err instanceof ValidationError && err.errors.length > 0 ? { errors: err.errors } : {}) });
      return;
    }
    // body-parser and friends signal client errors with a numeric status.
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (status < 500) {
      res.status(status).json({ message: err instanceof Error ? err.message : 'bad request', status });
      return;
    }
    log.error({ err, method: req.method, url: req.originalUrl }, 'unexpected error');
    res.status(500).json({ message: 'internal error', status: 500 });
  };
}
