/**
 * argv -> subcommand. The only place that decides exit codes (bin/cassandra-extractor.js sets them).
 */
import { readFileSync } from 'node:fs';
import { AgentError, isAgentError } from './errors.js';
import { runDump } from './cli/dump.js';

const USAGE = `usage: cassandra-extractor <command> [options]
commands:
  dump <path>...   print the live CQL rows of a table's SSTables as JSON Lines
  --version        print the version`;

export const EXIT = { ok: 0, badInput: 1, usage: 2, internal: 70 } as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dump':
        return await runDump(rest, process.stdout);
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
    if (typeof err?.code === 'string' && typeof err.message === 'string') {
      process.stderr.write(`cassandra-extractor: ${err.message}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`cassandra-extractor: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.internal;
  }
}
