/** Health (public) and agent info: version, supported Cassandra versions, nodes, mounts, free disk. */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { MountPort } from '../../tasks/runner-port.js';
import { errorResponses } from '../schemas.js';

export interface NodeInfo {
  readonly host: string;
  readonly sshPort: number;
  readonly user: string;
  readonly cassandraYaml: string;
  readonly dataDirectories: readonly string[];
}

export interface AgentInfo {
  readonly version: string;
  readonly nodes: readonly NodeInfo[];
  readonly outputFolder: string;
  readonly stateDir: string;
}

/** SSTable formats the decoder reads, and the Cassandra releases that write them. */
export const SUPPORTED = {
  sstableFormats: ['ka', 'la', 'lb', 'ma', 'mb', 'mc', 'md', 'me'],
  cassandraVersions: ['2.1', '2.2', '3.0', '3.11'],
} as const;

export interface DiskInfo {
  readonly path: string;
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Free space of the file system holding `path` (its nearest existing ancestor if it does not exist yet). */
export async function diskInfo(path: string): Promise<DiskInfo> {
  let p = path;
  for (;;) {
    try {
      const s = await statfs(p);
      return { path, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch (e) {
      const parent = dirname(p);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw e;
      p = parent;
    }
  }
}

const diskSchema = { type: 'object', properties: { path: { type: 'string' }, freeBytes: { type: 'number' }, totalBytes: { type: 'number' } } } as const;

export function agentRoutes(deps: { readonly info: AgentInfo; readonly mounts: MountPort }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/health', {
      schema: {
        tags: ['agent'], summary: 'liveness (no credentials needed)', security: [],
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }, ...errorResponses() },
      },
    }, async () => ({ status: 'ok' as const }));

    app.get('/agent', {
      schema: {
        tags: ['agent'], summary: 'version, supported Cassandra versions, nodes, mounts, free disk',
        response: {
          200: {
            type: 'object',
            properties: {
              version: { type: 'string' },
              supported: {
                type: 'object',
                properties: { sstableFormats: { type: 'array', items: { type: 'string' } }, cassandraVersions: { type: 'array', items: { type: 'string' } } },
              },
              nodes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    host: { type: 'string' }, sshPort: { type: 'integer' }, user: { type: 'string' }, cassandraYaml: { type: 'string' },
                    dataDirectories: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
              mounts: { type: 'array', items: { $ref: 'MountStatus#' } },
              disk: { type: 'object', properties: { output: diskSchema, state: diskSchema } },
            },
          },
          ...errorResponses(),
        },
      },
    }, async () => {
      const [mounts, output, state] = await Promise.all([deps.mounts.status(), diskInfo(deps.info.outputFolder), diskInfo(deps.info.stateDir)]);
      return { version: deps.info.version, supported: SUPPORTED, nodes: deps.info.nodes, mounts, disk: { output, state } };
    });
  };
}
