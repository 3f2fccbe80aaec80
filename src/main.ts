/**
 * argv -> subcommand. The only place that decides exit codes (bin/cassandra-extractor.js sets them).
 */
import { readFileSync } from 'node:fs';
import { AgentError, isAgentError } from './errors.js';
import { parse } from './cli/args.js';
import { DEFAULT_PATHS } from './config/paths.js';

// Subcommands are loaded when chosen: `dump` should not pay for the AWS SDK, Fastify or ssh2.

const USAGE = `usage: cassandra-extractor <command> [options]
commands:
  dump <path>...   print the live CQL rows of a table's SSTables as JSON Lines
  extract --data-dir <dir>... --out <dir | s3://bucket/prefix>
                   extract a keyspace (or --table ...) to the AWS DMS layout: CSV chunks, DMS JSON, manifest
  sample <dir>     write a small Cassandra 3.x data directory (every CQL type, deletions, TTLs) [--rows n]
  --configure      ask for the nodes, SSL and output folder; write ${DEFAULT_PATHS.settingsFile}
                   [--settings file] [--secrets-dir dir] [--no-mount]
  serve            run the agent: REST API over HTTPS (port 8080) [--settings file]
  mount | -mnt     mount every node's conf and data directories over sshfs (from the settings) [--status]
  unmount          unmount them
  --version        print the version`;

export const EXIT = { ok: 0, badInput: 1, usage: 2, internal: 70 } as const;

/** The package's version, from its package.json: beside dist/ (this module is dist/main.js or dist/bundle/main.js). */
function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    let text: string;
    try {
      text = readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (pkg.name === 'cassandra-extractor' && typeof pkg.version === 'string') return pkg.version;
  }
  throw new AgentError('E_INTERNAL', 'package.json of cassandra-extractor not found beside dist/');
}

async function sample(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { rows: { type: 'string' } });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) throw new AgentError('E_BAD_ARGUMENT', 'usage: cassandra-extractor sample <dir> [--rows n]');
  const rows = values.rows === undefined ? undefined : Number(values.rows);
  if (rows !== undefined && (!Number.isInteger(rows) || rows < 1)) throw new AgentError('E_BAD_ARGUMENT', `--rows expects a positive integer, got "${values.rows}"`);
  const { writeSampleDataDir } = await import('./sample/index.js');
  const written = await writeSampleDataDir(dir, rows === undefined ? {} : { rows });
  process.stderr.write(`wrote keyspace ${written.keyspace} (${written.tables.join(', ')}) and its system_schema tables under ${dir}\n`);
  return EXIT.ok;
}

async function configure(argv: string[]): Promise<number> {
  const { values } = parse(argv, { settings: { type: 'string' }, 'secrets-dir': { type: 'string' }, 'no-mount': { type: 'boolean' } });
  const { lookupServiceOwner } = await import('./config/owner.js');
  const { runConfigure } = await import('./cli/configure.js');
  const owner = process.getuid?.() === 0 ? await lookupServiceOwner() : undefined;
  return runConfigure(
    { input: process.stdin, output: process.stdout },
    {
      settingsPath: values.settings ?? DEFAULT_PATHS.settingsFile,
      secretsDir: values['secrets-dir'] ?? DEFAULT_PATHS.secretsDir,
      // as the AWS agent does, mount every node once the settings are written (--no-mount: do not)
      mount: values['no-mount'] !== true,
      mountFn: async (settings) => {
        const { managerFor } = await import('./cli/mount.js');
        const report = await managerFor(settings, process.env).mountAll();
        const failed = report.failures[0];
        if (failed !== undefined) throw failed.error;
      },
      ...(owner === undefined ? {} : { owner }),
    },
  );
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dump':
        return await (await import('./cli/dump.js')).runDump(rest, process.stdout);
      case 'serve':
        return await (await import('./cli/serve.js')).runServe(rest, { version: version() });
      case 'extract':
        return await (await import('./cli/extract.js')).runExtractCommand(rest, `cassandra-extractor ${version()}`);
      case 'mount':
      case '-mnt':
        return await (await import('./cli/mount.js')).runMountCli(rest, process.stdout, { env: process.env });
      case 'unmount':
        return await (await import('./cli/mount.js')).runUnmountCli(rest, process.stdout, { env: process.env });
      case 'sample':
        return await sample(rest);
      case '--configure':
      case 'configure':
        return await configure(rest);
      case '--version':
      case 'version':
        process.stdout.write(`${version()}\n`);
        return EXIT.ok;
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new AgentError('E_BAD_ARGUMENT', `unknown command "${command}"\n${USAGE}`);
    }
  } catch (e) {
    if (isAgentError(e)) {
      process.stderr.write(`cassandra-extractor: ${e.message.split('\n')[0] ?? e.message} [${e.code}]\n`);
      return e.code === 'E_BAD_ARGUMENT' ? EXIT.usage : EXIT.badInput;
    }
    const err = e as NodeJS.ErrnoException;
    // the reader of our output went away (`dump ... | head`): not an error of ours
    if (err?.code === 'EPIPE') return EXIT.ok;
    if (typeof err?.code === 'string' && typeof err.message === 'string') {
      process.stderr.write(`cassandra-extractor: ${err.message}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`cassandra-extractor: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.internal;
  }
}
