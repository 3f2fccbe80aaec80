/** Schema browsing: keyspaces, tables (estimated size), columns of a data directory or of the mounted nodes. */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { MountPort } from '../../tasks/runner-port.js';
import { describeTable, listKeyspaces, listTables } from '../schema-browse.js';
import { errorResponses, NAME_PATTERN } from '../schemas.js';

const dirQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { dataDir: { type: 'string', pattern: '^/', maxLength: 4096, description: 'a Cassandra data directory; default: every mounted node' } },
} as const;
interface DirQuery { dataDir?: string }
const ksParams = { type: 'object', required: ['keyspace'], properties: { keyspace: { type: 'string', pattern: NAME_PATTERN } } } as const;
const tableParams = { type: 'object', required: ['keyspace', 'table'], properties: { keyspace: { type: 'string', pattern: NAME_PATTERN }, table: { type: 'string', pattern: NAME_PATTERN } } } as const;
const tableInfo = {
  type: 'object',
  properties: { keyspace: { type: 'string' }, name: { type: 'string' }, sstables: { type: 'integer' }, estimatedBytes: { type: 'number' } },
} as const;

export function schemaRoutes(deps: { readonly mounts: MountPort }): FastifyPluginAsync {
  const dirs = async (q: DirQuery): Promise<string[]> => (q.dataDir !== undefined ? [q.dataDir] : deps.mounts.dataDirectories());
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: DirQuery }>('/schema/keyspaces', {
      schema: {
        tags: ['schema'], summary: 'keyspaces', querystring: dirQuery,
        response: {
          200: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, system: { type: 'boolean' }, tables: { type: 'integer' } } } },
          ...errorResponses(400),
        },
      },
    }, async (req) => listKeyspaces(await dirs(req.query)));

    app.get<{ Querystring: DirQuery; Params: { keyspace: string } }>('/schema/keyspaces/:keyspace/tables', {
      schema: {
        tags: ['schema'], summary: 'tables of a keyspace with their estimated size (sum of Data.db sizes)', querystring: dirQuery, params: ksParams,
        response: { 200: { type: 'array', items: tableInfo }, ...errorResponses(400, 404) },
      },
    }, async (req) => listTables(await dirs(req.query), req.params.keyspace));

    app.get<{ Querystring: DirQuery; Params: { keyspace: string; table: string } }>('/schema/keyspaces/:keyspace/tables/:table', {
      schema: {
        tags: ['schema'], summary: 'columns of a table', querystring: dirQuery, params: tableParams,
        response: {
          200: {
            type: 'object',
            properties: {
              ...tableInfo.properties,
              origin: { type: 'string', description: 'where the schema came from (system_schema, sstable-header, ...)' },
              columns: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string' }, position: { type: 'integer' }, type: { type: 'string' } } },
              },
            },
          },
          ...errorResponses(400, 404, 422),
        },
      },
    }, async (req) => describeTable(await dirs(req.query), req.params.keyspace, req.params.table, Math.floor(Date.now() / 1000)));
  };
}
