/** Tasks: create, list, get, start, pause, resume, stop, delete. */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { tableCounts, type SinkSpec, type TaskRecord, type TaskSpec } from '../../tasks/model.js';
import type { TaskRunner } from '../../tasks/runner.js';
import { errorResponses, taskIdParams, type CreateTaskBody } from '../schemas.js';

interface IdParams { id: string }

/** The API form of a task: the record plus the table counts of the SCT grid. */
export function taskView(r: TaskRecord): TaskRecord & { progress: TaskRecord['progress'] & { tableCounts: ReturnType<typeof tableCounts> } } {
  return { ...r, progress: { ...r.progress, tableCounts: tableCounts(r.progress) } };
}

export function specFromBody(b: CreateTaskBody): TaskSpec {
  const sink: SinkSpec = b.sink.kind === 'local'
    ? (b.sink.path === undefined ? { kind: 'local' } : { kind: 'local', path: b.sink.path.replace(/\/+$/, '') || '/' })
    : {
        kind: 's3', bucket: b.sink.bucket, prefix: b.sink.prefix ?? '', encryption: b.sink.encryption ?? { kind: 'sse-s3' },
        ...(b.sink.region === undefined ? {} : { region: b.sink.region }),
        ...(b.sink.endpoint === undefined ? {} : { endpoint: b.sink.endpoint }),
      };
  return {
    name: b.name ?? '', keyspace: b.keyspace, tables: b.tables, sink,
    migrationType: b.migrationType ?? 'full-load', replicaMode: b.replicaMode ?? 'merge', readFrom: b.readFrom ?? 'live', parallelism: b.parallelism ?? 4,
    readMBpsPerNode: b.readMBpsPerNode ?? 0, uploadMBps: b.uploadMBps ?? 0, deleteLocalAfterUpload: b.deleteLocalAfterUpload ?? false,
    chunkSizeBytes: b.chunkSizeBytes ?? 64 * 1024 * 1024,
    dataDirs: b.dataDirs ?? [],
  };
}

const one = { $ref: 'Task#' } as const;

export function taskRoutes(deps: { readonly runner: TaskRunner }): FastifyPluginAsync {
  const { runner } = deps;
  return async (app: FastifyInstance) => {
    app.post<{ Body: CreateTaskBody }>('/tasks', {
      schema: { tags: ['tasks'], summary: 'create a task (state created)', body: { $ref: 'CreateTask#' }, response: { 201: one, ...errorResponses(400, 422) } },
    }, async (req, reply) => {
      const rec = await runner.create(specFromBody(req.body));
      return reply.status(201).header('location', `/api/v1/tasks/${rec.id}`).send(taskView(rec));
    });

    app.get('/tasks', {
      schema: { tags: ['tasks'], summary: 'every task, oldest first', response: { 200: { type: 'array', items: one }, ...errorResponses() } },
    }, async () => runner.list().map(taskView));

    app.get<{ Params: IdParams }>('/tasks/:id', {
      schema: { tags: ['tasks'], summary: 'one task with its progress', params: taskIdParams, response: { 200: one, ...errorResponses(400, 404) } },
    }, async (req) => taskView(runner.get(req.params.id)));

    const actions = [
      ['start', 'created/stopped/failed -> running (stopped starts over; failed retries from the checkpoint)', (id: string) => runner.start(id)],
      ['pause', 'running -> pausing -> paused (the checkpoint is kept)', (id: string) => runner.pause(id)],
      ['resume', 'paused -> running, from the checkpoint', (id: string) => runner.resume(id)],
      ['stop', 'running/paused -> stopped', (id: string) => runner.stop(id)],
    ] as const;
    for (const [name, summary, act] of actions) {
      app.post<{ Params: IdParams }>(`/tasks/:id/${name}`, {
        schema: { tags: ['tasks'], summary, params: taskIdParams, response: { 200: one, ...errorResponses(400, 404, 409) } },
      }, async (req) => taskView(await act(req.params.id)));
    }

    app.delete<{ Params: IdParams }>('/tasks/:id', {
      schema: {
        tags: ['tasks'], summary: 'forget a task that is not running (its output stays)', params: taskIdParams,
        response: { 204: { type: 'null', description: 'deleted' }, ...errorResponses(400, 404, 409) },
      },
    }, async (req, reply) => {
      await runner.delete(req.params.id);
      return reply.status(204).send();
    });
  };
}
