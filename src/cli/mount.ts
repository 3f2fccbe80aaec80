/**
 * `cassandra-extractor mount` (alias `-mnt`): mount every node of the settings file under the mount
 * root and print one status line per mount; `status` prints the same without mounting;
 * `unmount` unmounts everything under the mount root and stops the key agents.
 *
 * Exit codes: 0 every mount is up (or, for unmount, gone); 1 some node failed (each is listed).
 */
import type { Writable } from 'node:stream';
import { AgentError } from '../errors.js';
import { loadSettings, type FrozenSettings } from '../config/load.js';
import { DEFAULT_PATHS } from '../config/paths.js';
import { MountManager, type MountStatus } from '../mount/manager.js';
import { parse } from './args.js';

export const MOUNT_USAGE = `usage: cassandra-extractor mount|-mnt [--settings file] [--status]
       cassandra-extractor unmount [--settings file]`;

export interface MountCliDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** settings already loaded (tests, configure); else read from --settings */
  settings?: FrozenSettings;
}

export function managerFor(settings: FrozenSettings, env: Readonly<Record<string, string | undefined>>): MountManager {
  return new MountManager({ mountRoot: settings.mountRoot, nodes: settings.nodes, sshfs: settings.sshfs, env });
}

function line(s: MountStatus): string {
  return `${s.health.state === 'ok' ? 'ok  ' : 'FAIL'} ${s.host} ${s.role}${s.role === 'data' ? ` #${s.index}` : ''}: ${s.remoteDir} -> ${s.mountPoint} (${s.description})\n`;
}

async function settingsOf(argv: string[], deps: MountCliDeps): Promise<{ settings: FrozenSettings; status: boolean }> {
  const { values, positionals } = parse(argv, { settings: { type: 'string' }, status: { type: 'boolean' } });
  if (positionals.length > 0) throw new AgentError('E_BAD_ARGUMENT', `unexpected argument "${positionals[0] ?? ''}"\n${MOUNT_USAGE}`);
  const settings = deps.settings ?? await loadSettings(values.settings ?? DEFAULT_PATHS.settingsFile);
  return { settings, status: values.status === true };
}

export async function runMountCli(argv: string[], out: Writable, deps: MountCliDeps): Promise<number> {
  const { settings, status } = await settingsOf(argv, deps);
  const manager = managerFor(settings, deps.env);
  if (status) {
    const statuses = await manager.status();
    for (const s of statuses) out.write(line(s));
    return statuses.every((s) => s.health.state === 'ok') ? 0 : 1;
  }
  const report = await manager.mountAll();
  for (const w of report.warnings) out.write(`warning: ${w}\n`);
  for (const s of report.mounts) out.write(line(s));
  for (const f of report.failures) out.write(`FAIL ${f.host}: ${f.error.message} [${f.error.code}]\n     ${f.error.hint}\n`);
  return report.failures.length === 0 && report.mounts.every((s) => s.health.state === 'ok') ? 0 : 1;
}

export async function runUnmountCli(argv: string[], out: Writable, deps: MountCliDeps): Promise<number> {
  const { settings } = await settingsOf(argv, deps);
  const results = await managerFor(settings, deps.env).unmountAll();
  let failed = 0;
  for (const r of results) {
    if (r.result.ok) out.write(`unmounted ${r.mountPoint}\n`);
    else {
      failed++;
      out.write(`FAIL ${r.mountPoint}: ${r.result.message}\n`);
    }
  }
  if (results.length === 0) out.write(`nothing mounted under ${settings.mountRoot}\n`);
  return failed === 0 ? 0 : 1;
}
