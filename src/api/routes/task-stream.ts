/**
 * Live task events as server-sent events, and the per-task log. The event stream starts with the
 * task's current state, then sends `state`, `progress` and `log` events as they happen, and ends
 * after a final state (completed, failed, stopped); a comment line every 15 s keeps proxies from
 * closing an idle stream.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { TaskState } from '../../tasks/model.js';
import type { TaskRunner, TaskUpdate } from '../../tasks/runner.js';
import { errorResponses, taskIdParams } from '../schemas.js';
import { taskView } from './tasks.js';

const HEARTBEAT_MS = 15_000;

function isFinal(s: TaskState): boolean {
  return s.kind === 'completed' || s.kind === 'failed' || s.kind === 'stopped';
}

export function taskStreamRoutes(deps: { readonly runner: TaskRunner }): FastifyPluginAsync {
  const { runner } = deps;
  return async (app: FastifyInstance) => {
    // open streams never end on their own while a task runs; shutdown ends them so close() can finish
    const open = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });
    app.get<{ Params: { id: string } }>('/tasks/:id/events', {
      schema: {
        tags: ['tasks'], summary: 'server-sent events: state, progress, log (text/event-stream)', params: taskIdParams,
        response: { 200: { type: 'string', description: 'text/event-stream' }, ...errorResponses(400, 404) },
      },
    }, async (req, reply) => {
      const rec = runner.get(req.params.id); // 404 before the stream starts
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      const send = (event: string, data: unknown): void => {
        raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      send('state', taskView(rec));
      if (isFinal(rec.state)) {
        raw.end();
        return;
      }
      let closed = false;
      const close = (): void => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(timer);
        open.delete(close);
        raw.end();
      };
      open.add(close);
      const unsubscribe = runner.subscribe(rec.id, (u: TaskUpdate) => {
        if (closed) return;
        switch (u.kind) {
          case 'state':
            send('state', taskView(u.task));
            if (isFinal(u.task.state)) close();
            break;
          case 'progress':
            send('progress', u.progress);
            break;
          case 'log':
            send('log', u.entry);
            break;
        }
      });
      const timer = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      timer.unref();
      req.raw.on('close', close);
    });

    app.get<{ Params: { id: string }; Querystring: { limit: number } }>('/tasks/:id/logs', {
      schema: {
        tags: ['tasks'], summary: 'the task log, last entries first-to-last', params: taskIdParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 10000, default: 500 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              entries: { type: 'array', items: { type: 'object', properties: { time: { type: 'string' }, level: { type: 'string' }, msg: { type: 'string' } } } },
            },
          },
          ...errorResponses(400, 404),
        },
      },
    }, async (req) => ({ entries: await runner.logTail(req.params.id, req.query.limit) }));
  };
}
