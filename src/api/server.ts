/**
 * The Fastify app, built but not listening (the daemon listens; tests use inject()). Routes live
 * under /api/v1 as plugins; /metrics (Prometheus) and /docs (OpenAPI UI) sit at the root. Every
 * route has request and response schemas; every error is `{ code, message, details }`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TaskRunner } from '../tasks/runner.js';
import type { MountPort } from '../tasks/runner-port.js';
import { authenticate, PUBLIC_PATHS, type AuthPolicy } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { agentRoutes, type AgentInfo } from './routes/agent.js';
import { metricsRoutes } from './routes/metrics.js';
import { mountRoutes } from './routes/mounts.js';
import { schemaRoutes } from './routes/schema.js';
import { taskStreamRoutes } from './routes/task-stream.js';
import { taskRoutes } from './routes/tasks.js';
import { SHARED_SCHEMAS } from './schemas.js';

export interface ServerDeps {
  readonly runner: TaskRunner;
  readonly mounts: MountPort;
  readonly auth: AuthPolicy;
  readonly logger: Logger;
  readonly info: AgentInfo;
  /** TLS options: the daemon serves HTTPS with them; absent = plain HTTP (or inject() in tests) */
  readonly https?: HttpsServerOptions;
  /** body size limit, bytes (default 1 MiB) */
  readonly bodyLimit?: number;
}

export const API_PREFIX = '/api/v1';

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimit ?? 1 << 20,
    ajv: { customOptions: { removeAdditional: false, discriminator: true, allErrors: false } },
    ...(deps.https === undefined ? {} : { https: deps.https }),
    // the https server type differs only in its raw server; routes never touch it
  }) as unknown as FastifyInstance;

  installErrorHandlers(app);
  for (const s of SHARED_SCHEMAS) app.addSchema(s);

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path)) return;
    authenticate(deps.auth, req);
  });

  void app.register(swagger, {
    openapi: {
      info: { title: 'cassandra-extractor agent API', version: deps.info.version, description: 'See docs/api.md' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the agent password' },
          basic: { type: 'http', scheme: 'basic', description: 'any user, the agent password' },
        },
      },
      security: [{ bearer: [] }, { basic: [] }],
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });

  void app.register(agentRoutes(deps), { prefix: API_PREFIX });
  void app.register(mountRoutes(deps), { prefix: API_PREFIX });
  void app.register(schemaRoutes(deps), { prefix: API_PREFIX });
  void app.register(taskRoutes(deps), { prefix: API_PREFIX });
  void app.register(taskStreamRoutes(deps), { prefix: API_PREFIX });
  void app.register(metricsRoutes(deps));
  return app;
}
