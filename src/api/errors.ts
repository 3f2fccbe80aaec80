/**
 * Every error leaves the API as `{ code, message, details }`. AgentError codes take their status from
 * the catalog (src/errors.ts); Fastify's own request errors (validation, malformed JSON, body too
 * large, unsupported media type) keep their 4xx status under E_BAD_ARGUMENT; anything else is a 500
 * E_INTERNAL whose message does not leak internals (the log has the stack under the request id).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, isAgentError, type ErrorCode } from '../errors.js';

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ApiErrorBody {
  return details === undefined ? { code, message } : { code, message, details };
}

function isFastifyError(e: unknown): e is FastifyError {
  return e instanceof Error && typeof (e as Partial<FastifyError>).code === 'string';
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    if (isAgentError(err)) {
      const status = ERROR_CATALOG[err.code].status;
      if (status >= 500) req.log.error({ err }, 'request failed');
      return reply.status(status).send(errorBody(err.code, err.message, { hint: err.hint, requestId: req.id }));
    }
    if (isFastifyError(err) && err.validation !== undefined) {
      const issues = err.validation.map((v) => ({ path: `${err.validationContext ?? ''}${v.instancePath}`, message: v.message ?? 'invalid', params: v.params }));
      return reply.status(400).send(errorBody('E_BAD_ARGUMENT', `invalid request: ${err.message}`, { issues, requestId: req.id }));
    }
    const status = isFastifyError(err) && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code: ErrorCode = status === 404 ? 'E_NOT_FOUND' : 'E_BAD_ARGUMENT';
      return reply.status(status).send(errorBody(code, (err as Error).message, { fastifyCode: (err as FastifyError).code, requestId: req.id }));
    }
    req.log.error({ err }, 'unexpected error');
    return reply.status(500).send(errorBody('E_INTERNAL', `internal error; the agent log has the details under request id ${req.id}`, { requestId: req.id }));
  });

  app.setNotFoundHandler((req, reply) => {
    return reply.status(404).send(errorBody('E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`, { requestId: req.id }));
  });
}
