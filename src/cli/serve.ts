/**
 * `cassandra-extractor serve [--settings file]`: runs the agent until SIGTERM or SIGINT, then shuts
 * down gracefully (see daemon.ts) and resolves with the exit code. A second signal during shutdown
 * is ignored: systemd's TimeoutStopSec is the backstop.
 */
import { loadSettings } from '../config/load.js';
import { DEFAULT_PATHS } from '../config/paths.js';
import { AgentError } from '../errors.js';
import { mountManagerFor, managedMounts, pipelineExtract, sshSnapshots, startDaemon, type DaemonDeps } from '../daemon.js';
import { parse } from './args.js';

export type ServeDeps = Omit<DaemonDeps, 'logger' | 'extract' | 'mounts' | 'snapshots'> & Partial<Pick<DaemonDeps, 'extract' | 'mounts' | 'snapshots'>>;

/** Defaults: the real pipeline, and the sshfs mount manager of the settings (nodes mounted at start). */
export async function runServe(argv: string[], deps: ServeDeps): Promise<number> {
  const { values, positionals } = parse(argv, { settings: { type: 'string' } });
  if (positionals.length > 0) throw new AgentError('E_BAD_ARGUMENT', `serve takes no positional arguments, got ${positionals.join(' ')}`);
  const settings = await loadSettings(values.settings ?? DEFAULT_PATHS.settingsFile);
  const env = deps.env ?? process.env;
  const daemon = await startDaemon(settings, {
    ...deps,
    env,
    extract: deps.extract ?? pipelineExtract(deps.version, sshSnapshots(settings, env)),
    snapshots: deps.snapshots ?? sshSnapshots(settings, env),
    mounts: deps.mounts ?? managedMounts(mountManagerFor(settings, env)),
    mountOnStart: deps.mountOnStart ?? deps.mounts === undefined,
  });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.on('SIGTERM', () => undefined);
      process.on('SIGINT', () => undefined);
      daemon.logger.info({ signal }, 'signal received');
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await daemon.close();
  return 0;
}
