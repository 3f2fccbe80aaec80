/**
 * JSON schemas of the API (request validation by Ajv, response serialisation, OpenAPI at /docs).
 * Request bodies reject unknown fields (a typo must not silently become a default). The TypeScript
 * shapes next to them are what the handlers see once Ajv has applied the defaults.
 */
import type { MigrationType, ReadFrom, ReplicaMode, S3Encryption } from '../tasks/model.js';

export const NAME_PATTERN = '^[A-Za-z0-9_]{1,48}$';
const ABS_PATH = { type: 'string', pattern: '^/', maxLength: 4096 } as const;

export const errorSchema = {
  $id: 'ApiError',
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'stable code, see docs/errors.md' },
    message: { type: 'string' },
    details: { description: 'validation issues, hint, request id' },
  },
} as const;

/** The usual error responses of a route, by status. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  const out: Record<number, { $ref: string }> = {};
  for (const s of [401, 403, 500, ...statuses]) out[s] = { $ref: 'ApiError#' };
  return out;
}

const encryptionSchema = {
  type: 'object',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['none', 'sse-s3', 'sse-kms'] },
    keyId: { type: 'string', minLength: 1, maxLength: 2048 },
  },
} as const;

export const sinkSchema = {
  $id: 'Sink',
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: { kind: { const: 'local' }, path: { ...ABS_PATH, description: 'default <outputFolder>/<task id>' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'bucket'],
      properties: {
        kind: { const: 's3' },
        bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
        prefix: { type: 'string', maxLength: 512, pattern: '^(?!/)(.*[^/])?$', default: '' },
        region: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' },
        endpoint: { type: 'string', pattern: '^https?://', maxLength: 2048 },
        encryption: { ...encryptionSchema, default: { kind: 'sse-s3' } },
      },
    },
  ],
} as const;

export const createTaskSchema = {
  $id: 'CreateTask',
  type: 'object',
  additionalProperties: false,
  required: ['keyspace', 'tables', 'sink'],
  properties: {
    name: { type: 'string', maxLength: 200, default: '' },
    keyspace: { type: 'string', pattern: NAME_PATTERN },
    tables: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: { type: 'string', pattern: NAME_PATTERN } },
    sink: { $ref: 'Sink#' },
    migrationType: { type: 'string', enum: ['full-load', 'full-load-and-cdc'], default: 'full-load' },
    replicaMode: { type: 'string', enum: ['merge', 'primary-range', 'all'], default: 'merge' },
    readFrom: { type: 'string', enum: ['live', 'snapshot'], default: 'live', description: 'snapshot: nodetool snapshot on every node over SSH, read it, clear it when the task completes or is deleted' },
    parallelism: { type: 'integer', minimum: 1, maximum: 256, default: 4 },
    readMBpsPerNode: { type: 'number', minimum: 0, default: 0, description: 'MB/s (10^6 bytes) per node, 0 = unlimited' },
    uploadMBps: { type: 'number', minimum: 0, default: 0, description: 'MB/s, 0 = unlimited' },
    deleteLocalAfterUpload: { type: 'boolean', default: false },
    chunkSizeBytes: { type: 'integer', minimum: 1024, maximum: 5368709120, default: 67108864, description: 'target LOAD file size, bytes' },
    dataDirs: { type: 'array', items: ABS_PATH, maxItems: 256, default: [], description: 'default: the mounted nodes' },
  },
} as const;

export interface CreateTaskBody {
  name: string;
  keyspace: string;
  tables: string[];
  sink: { kind: 'local'; path?: string } | { kind: 's3'; bucket: string; prefix: string; region?: string; endpoint?: string; encryption: S3Encryption };
  migrationType: MigrationType;
  replicaMode: ReplicaMode;
  readFrom: ReadFrom;
  parallelism: number;
  readMBpsPerNode: number;
  uploadMBps: number;
  deleteLocalAfterUpload: boolean;
  chunkSizeBytes: number;
  dataDirs: string[];
}

const errorInfoSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } as const;

const tableProgressSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['queued', 'loading', 'loaded', 'errored'] },
    rows: { type: 'number' }, bytes: { type: 'number' }, files: { type: 'number' }, percent: { type: 'number' },
    error: errorInfoSchema,
  },
} as const;

export const taskSchema = {
  $id: 'Task',
  type: 'object',
  properties: {
    id: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    runs: { type: 'integer' },
    spec: {
      type: 'object',
      properties: {
        ...createTaskSchema.properties,
        sink: {
          type: 'object',
          properties: {
            kind: { type: 'string' }, path: { type: 'string' }, bucket: { type: 'string' }, prefix: { type: 'string' },
            region: { type: 'string' }, endpoint: { type: 'string' }, encryption: encryptionSchema,
          },
        },
      },
    },
    state: {
      type: 'object',
      description: 'discriminated on kind: created | running | pausing | paused | stopping | stopped | completed | failed',
      properties: { kind: { type: 'string' }, since: { type: 'string' }, reason: { type: 'string' }, error: errorInfoSchema },
    },
    progress: {
      type: 'object',
      properties: {
        percent: { type: 'number', description: 'full-load percent' },
        rows: { type: 'number' }, bytes: { type: 'number' }, elapsedMs: { type: 'number' },
        throughputBytesPerSec: { type: 'number' }, rowsPerSec: { type: 'number' },
        tableCounts: {
          type: 'object',
          properties: { queued: { type: 'integer' }, loading: { type: 'integer' }, loaded: { type: 'integer' }, errored: { type: 'integer' } },
        },
        tables: { type: 'object', additionalProperties: tableProgressSchema },
      },
    },
  },
} as const;

export const taskIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } },
} as const;

export const mountStatusSchema = {
  $id: 'MountStatus',
  type: 'object',
  properties: {
    host: { type: 'string' },
    state: { type: 'string', enum: ['mounted', 'unmounted', 'error', 'unmanaged'] },
    confDir: { type: 'string' },
    dataDirs: { type: 'array', items: { type: 'string' } },
    error: { type: 'string' },
  },
} as const;

export const SHARED_SCHEMAS = [errorSchema, sinkSchema, createTaskSchema, taskSchema, mountStatusSchema] as const;
