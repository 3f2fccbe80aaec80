/**
 * Reading and writing agent-settings.yaml. `loadSettings` is called once at start-up; the result is
 * deep-frozen and passed down in slices. Every failure is an AgentError that lists each problem as
 * `path.to.field: message`, so an operator can fix the whole file in one pass.
 */
import { readFile } from 'node:fs/promises';
import { dump, load, YAMLException } from 'js-yaml';
import type { z } from 'zod';
import { AgentError } from '../errors.js';
import { writeFileAtomic, type FileOwner } from './atomic-write.js';
import { deepFreeze, type DeepReadonly } from './freeze.js';
import { settingsSchema, type Settings, type SettingsInput } from './schema.js';

export type FrozenSettings = DeepReadonly<Settings>;

/** Mode of the settings file: it names secret files and hosts, so only its owner reads it. */
export const SETTINGS_FILE_MODE = 0o600;

/** One line per issue: `nodes.0.sshPort: must be between 1 and 65535`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${where}: ${issue.message}`;
  });
}

/** Validates an already-parsed document; `source` names it in messages. Throws AgentError E_BAD_ARGUMENT. */
export function parseSettings(raw: unknown, source = 'settings'): FrozenSettings {
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(result.error);
    throw new AgentError('E_BAD_ARGUMENT', `invalid settings in ${source}:\n  ${lines.join('\n  ')}`);
  }
  return deepFreeze(result.data);
}

/** Parses YAML text (YAML 1.2 core schema: `yes`/`no` stay strings, use true/false). */
export function parseSettingsYaml(text: string, source = 'settings'): FrozenSettings {
  let raw: unknown;
  try {
    raw = load(text);
  } catch (e) {
    if (e instanceof YAMLException) {
      const line = e.mark !== undefined ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
      throw new AgentError('E_BAD_ARGUMENT', `${source} is not valid YAML${line}: ${e.reason}`, { file: source }, { cause: e });
    }
    throw e;
  }
  if (raw === undefined || raw === null) throw new AgentError('E_BAD_ARGUMENT', `${source} is empty`, { file: source });
  return parseSettings(raw, source);
}

/** Reads and validates the settings file. Throws AgentError E_NOT_FOUND, E_IO or E_BAD_ARGUMENT. */
export async function loadSettings(path: string): Promise<FrozenSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const hint = missing ? '; run `cassandra-extractor configure` to create it' : '';
    throw new AgentError(missing ? 'E_NOT_FOUND' : 'E_IO', `cannot read settings: ${(e as Error).message}${hint}`, { file: path }, { cause: e });
  }
  return parseSettingsYaml(text, path);
}

export interface WriteSettingsOptions {
  /** Give the file to the service account when written by root. */
  owner?: FileOwner;
}

const HEADER = [
  '# cassandra-extractor agent settings (written by `cassandra-extractor configure`).',
  '# Every field is described in /etc/cassandra-extractor/agent-settings.example.yaml.',
  '# Passwords are not stored here: each *Ref points to a 0600 file or an environment variable.',
  '',
].join('\n');

/**
 * Validates `settings` with the schema (nothing invalid is ever written), then replaces `path`
 * atomically with mode 0600, defaults written out explicitly. Returns what a later load returns.
 */
export async function writeSettings(path: string, settings: SettingsInput | FrozenSettings, opts: WriteSettingsOptions = {}): Promise<FrozenSettings> {
  const parsed = parseSettings(settings, path);
  const text = HEADER + dump(parsed, { noRefs: true, lineWidth: -1 });
  await writeFileAtomic(path, text, { mode: SETTINGS_FILE_MODE, owner: opts.owner });
  return parsed;
}
