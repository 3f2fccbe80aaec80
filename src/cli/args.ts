/** Command-line parsing shared by the subcommands (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AgentError } from '../errors.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new AgentError('E_BAD_ARGUMENT', e instanceof Error ? e.message : String(e));
  }
}

/** "now" for TTL expiry: an ISO-8601 instant, or the current time. */
export function parseNow(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AgentError('E_BAD_ARGUMENT', `--now expects an ISO-8601 instant such as 2024-01-31T12:00:00Z, got "${value}"`);
  return Math.floor(ms / 1000);
}
