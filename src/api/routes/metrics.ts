/** GET /metrics: Prometheus text. */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { TaskRunner } from '../../tasks/runner.js';
import { renderMetrics } from '../metrics.js';
import { errorResponses } from '../schemas.js';
import type { AgentInfo } from './agent.js';

export function metricsRoutes(deps: { readonly runner: TaskRunner; readonly info: AgentInfo }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/metrics', {
      schema: { tags: ['agent'], summary: 'Prometheus metrics (text format 0.0.4)', response: { 200: { type: 'string' }, ...errorResponses() } },
    }, async (_req, reply) => {
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(renderMetrics(deps.runner.list(), deps.info.version));
    });
  };
}
