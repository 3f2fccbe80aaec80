/** Node mounts (sshfs) through the injected mount manager. */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { AgentError } from '../../errors.js';
import type { MountPort } from '../../tasks/runner-port.js';
import { errorResponses } from '../schemas.js';

const hostParams = { type: 'object', required: ['host'], properties: { host: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:_-]+$' } } } as const;
interface HostParams { host: string }

export function mountRoutes(deps: { readonly mounts: MountPort }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/mounts', {
      schema: { tags: ['mounts'], summary: 'mount status of every node', response: { 200: { type: 'array', items: { $ref: 'MountStatus#' } }, ...errorResponses() } },
    }, async () => deps.mounts.status());

    app.get<{ Params: HostParams }>('/nodes/:host/mount', {
      schema: { tags: ['mounts'], summary: 'mount status of one node', params: hostParams, response: { 200: { $ref: 'MountStatus#' }, ...errorResponses(400, 404) } },
    }, async (req) => {
      const all = await deps.mounts.status();
      const one = all.find((m) => m.host === req.params.host);
      if (one === undefined) throw new AgentError('E_NOT_FOUND', `no configured node ${req.params.host}`, { host: req.params.host });
      return one;
    });

    app.post<{ Params: HostParams }>('/nodes/:host/mount', {
      schema: { tags: ['mounts'], summary: 'mount a node (conf and data directories)', params: hostParams, response: { 200: { $ref: 'MountStatus#' }, ...errorResponses(400, 404, 409) } },
    }, async (req) => deps.mounts.mount(req.params.host));

    app.post<{ Params: HostParams }>('/nodes/:host/unmount', {
      schema: { tags: ['mounts'], summary: 'unmount a node', params: hostParams, response: { 200: { $ref: 'MountStatus#' }, ...errorResponses(400, 404, 409) } },
    }, async (req) => deps.mounts.unmount(req.params.host));

    app.post('/mounts', {
      schema: { tags: ['mounts'], summary: 'mount every node', response: { 200: { type: 'array', items: { $ref: 'MountStatus#' } }, ...errorResponses(409) } },
    }, async () => {
      const out = [];
      for (const m of await deps.mounts.status()) out.push(m.state === 'mounted' ? m : await deps.mounts.mount(m.host));
      return out;
    });
  };
}
