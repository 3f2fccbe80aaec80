import { describe, expect, it } from 'vitest';
import { defaultStorageDir, mapDataDirectories, parseNodeConf, requireMountedDataDirectories } from '../../src/cluster/node-conf.js';
import { mountTargets } from '../../src/mount/layout.js';

describe('cassandra.yaml discovery', () => {
  it('reads the settings the reader needs', () => {
    const c = parseNodeConf([
      'cluster_name: Prod', 'num_tokens: 256', 'partitioner: org.apache.cassandra.dht.RandomPartitioner',
      'data_file_directories:', '  - /d1/data/', '  - /d2', 'commitlog_directory: /cl', 'cdc_raw_directory: /cdc', 'cdc_enabled: yes',
      'incremental_backups: true', 'initial_token: -9, 0, 9',
    ].join('\n'), '/etc/cassandra/cassandra.yaml');
    expect(c).toMatchObject({
      clusterName: 'Prod', numTokens: 256, partitioner: 'org.apache.cassandra.dht.RandomPartitioner', dataFileDirectories: ['/d1/data', '/d2'],
      commitlogDirectory: '/cl', cdcRawDirectory: '/cdc', cdcEnabled: true, incrementalBackups: true, initialTokens: ['-9', '0', '9'], defaulted: [],
    });
  });
  it("falls back to Cassandra's defaults (package vs tarball storage dir)", () => {
    const pkg = parseNodeConf('cluster_name: x\n', '/etc/cassandra/cassandra.yaml');
    expect(pkg).toMatchObject({ dataFileDirectories: ['/var/lib/cassandra/data'], commitlogDirectory: '/var/lib/cassandra/commitlog', cdcRawDirectory: '/var/lib/cassandra/cdc_raw', numTokens: 1, incrementalBackups: false, partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner' });
    expect(pkg.defaulted).toEqual(expect.arrayContaining(['data_file_directories', 'partitioner', 'num_tokens']));
    expect(defaultStorageDir('/opt/cassandra/conf/cassandra.yaml')).toBe('/opt/cassandra/data');
    expect(parseNodeConf('', '/opt/c/conf/cassandra.yaml', { storageDir: '/srv' }).dataFileDirectories).toEqual(['/srv/data']);
  });
  it('rejects malformed values with the file named', () => {
    expect(() => parseNodeConf('data_file_directories: relative\n', '/etc/cassandra/cassandra.yaml')).toThrow(/data_file_directories should be/);
    expect(() => parseNodeConf('num_tokens: many\n', '/etc/cassandra/cassandra.yaml')).toThrow(/num_tokens/);
    expect(() => parseNodeConf('a: [\n', '/etc/cassandra/cassandra.yaml')).toThrow(/not valid YAML/);
  });
  it('maps data directories onto mounts and names unmounted ones', () => {
    const targets = mountTargets('/m', { host: 'n1', confDirectory: '/etc/cassandra', dataDirectories: ['/d1'] });
    const c = parseNodeConf('data_file_directories: [/d1, /d2]\n', '/etc/cassandra/cassandra.yaml');
    expect(mapDataDirectories(c, targets)).toEqual([{ remote: '/d1', mounted: '/m/n1_node/data' }, { remote: '/d2', mounted: null }]);
    expect(() => requireMountedDataDirectories('n1', c, targets)).toThrow(/\/d2.*host n1/);
  });
});
