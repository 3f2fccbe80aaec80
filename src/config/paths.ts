/**
 * Well-known locations; the packaging (postinst, spec, systemd unit) uses the same paths. A module of
 * its own, without the settings schema, so that the CLI's entry point does not load zod for them.
 */
export const DEFAULT_PATHS = {
  settingsFile: '/etc/cassandra-extractor/agent-settings.yaml',
  secretsDir: '/etc/cassandra-extractor/secrets',
  mountRoot: '/mnt/cassandra-extractor',
  stateDir: '/var/lib/cassandra-extractor',
  logDir: '/var/log/cassandra-extractor',
  outputFolder: '/var/lib/cassandra-extractor/output',
  knownHosts: '/var/lib/cassandra-extractor/known_hosts',
} as const;
