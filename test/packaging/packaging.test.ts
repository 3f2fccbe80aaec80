/**
 * Builds the .deb and .rpm with packaging/build.sh and inspects them with dpkg-deb and rpm; checks
 * the systemd unit with systemd-analyze. Outside CI a missing tool skips with the reason printed;
 * under CI (CI=true) the tools must be there (.ci/run installs dpkg, rpm and systemd).
 * The packages go to a temporary OUT_DIR; dist/ is compiled and bundled first (`npm run build`'s two steps).
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const inCI = process.env['CI'] === 'true';
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const unitPath = join(root, 'systemd', 'cassandra-extractor.service');

function onPath(cmd: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false; // not in this PATH entry
    }
  });
}

/** Runs unless a tool is missing outside CI; under CI a missing tool fails the test instead. */
function required(tools: string[], what: string): boolean {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0 || inCI) return true;
  console.log(`skipping ${what}: ${missing.join(', ')} not installed (apt-get install -y dpkg rpm systemd)`);
  return false;
}

describe.runIf(required(['dpkg-deb', 'rpmbuild', 'rpm', 'tar', 'npm'], 'package build tests'))('packaging/build.sh', () => {
  let outDir = '';
  let deb = '';
  let rpm = '';

  beforeAll(async () => {
    // npm run build's two steps: the compile, then the bundle the launcher runs (scripts/bundle.mjs)
    const tsc = await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, reject: false });
    if (!existsSync(join(root, 'dist', 'main.js'))) {
      throw new Error(`tsc -p tsconfig.build.json did not produce dist/main.js:\n${tsc.stdout}\n${tsc.stderr}`);
    }
    await execa('node', [join(root, 'scripts', 'bundle.mjs')], { cwd: root });
    outDir = await mkdtemp(join(tmpdir(), 'ce-packages-'));
    const built = await execa('bash', [join(root, 'packaging', 'build.sh')], { cwd: root, env: { OUT_DIR: outDir } });
    [deb = '', rpm = ''] = built.stdout.trim().split('\n');
  }, 180_000);

  afterAll(async () => {
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  });

  it('names the packages after package.json', () => {
    expect(deb).toBe(join(outDir, `cassandra-extractor_${version}_amd64.deb`));
    expect(rpm).toBe(join(outDir, `cassandra-extractor-${version}.x86_64.rpm`));
  });

  it('.deb holds the command, the unit, the compiled code and production dependencies only', async () => {
    const { stdout } = await execa('dpkg-deb', ['-c', deb]);
    const lines = stdout.split('\n');
    const entry = (path: string): string | undefined => lines.find((l) => l.includes(` ./${path}`));
    expect(entry('usr/bin/cassandra-extractor -> ../lib/cassandra-extractor/bin/cassandra-extractor.js')).toMatch(/^lrwxrwxrwx root\/root /);
    expect(entry('lib/systemd/system/cassandra-extractor.service')).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry('usr/lib/cassandra-extractor/dist/main.js')).toBeDefined();
    // the bundle the launcher runs, with the decoding worker's entry beside the chunk that starts it
    expect(entry('usr/lib/cassandra-extractor/dist/bundle/main.js')).toBeDefined();
    expect(entry('usr/lib/cassandra-extractor/dist/bundle/workers-entry.js')).toBeDefined();
    expect(entry('usr/lib/cassandra-extractor/bin/cassandra-extractor.js')).toMatch(/^-rwxr-xr-x /);
    expect(entry('usr/lib/cassandra-extractor/package.json')).toBeDefined();
    expect(entry('usr/lib/cassandra-extractor/node_modules/zod/package.json')).toBeDefined();
    expect(entry('etc/cassandra-extractor/agent-settings.example.yaml')).toBeDefined();
    for (const dev of ['vitest', 'typescript', 'eslint', 'fast-check', 'rolldown']) {
      expect(entry(`usr/lib/cassandra-extractor/node_modules/${dev}/`)).toBeUndefined();
    }
  });

  it('.deb declares its dependencies, maintainer scripts and conffile', async () => {
    const { stdout } = await execa('dpkg-deb', ['-I', deb]);
    for (const script of ['postinst', 'prerm', 'postrm', 'conffiles', 'control']) expect(stdout).toMatch(new RegExp(`\\b${script}\\b`));
    expect(stdout).toContain('Depends: nodejs (>= 20), sshfs, fuse3 | fuse');
    expect(stdout).toContain(`Version: ${version}`);
    expect((await execa('dpkg-deb', ['-I', deb, 'conffiles'])).stdout.trim()).toBe('/etc/cassandra-extractor/agent-settings.example.yaml');
    const postinst = (await execa('dpkg-deb', ['-I', deb, 'postinst'])).stdout;
    expect(postinst).toContain('useradd --system');
    expect(postinst).toContain('user_allow_other');
    expect(postinst).toContain('systemctl daemon-reload');
    expect((await execa('dpkg-deb', ['-I', deb, 'prerm'])).stdout).toContain('systemctl stop cassandra-extractor.service');
    expect((await execa('dpkg-deb', ['-I', deb, 'postrm'])).stdout).toContain('userdel');
  });

  // Installing for real needs root, dpkg's own nodejs package (the .deb depends on it) and no existing
  // install to clobber. CI runs as root on a machine whose Node.js is that package.
  const canInstall = (): boolean => {
    if (process.getuid?.() !== 0 || !onPath('dpkg')) return false;
    const nodePkg = execaSync('dpkg-query', ['-W', '-f=${Status}', 'nodejs'], { reject: false });
    const ours = execaSync('dpkg-query', ['-W', '-f=${Status}', 'cassandra-extractor'], { reject: false });
    return nodePkg.stdout.includes('install ok installed') && !ours.stdout.includes('install ok installed');
  };

  it('installing the .deb puts the command on PATH, creates the user and directories; purge removes them', async (ctx) => {
    if (!canInstall()) {
      if (inCI) throw new Error('CI runs as root with the nodejs package installed: the .deb must install here');
      console.log('skipping the .deb install: needs root, the nodejs Debian package, and no cassandra-extractor installed');
      ctx.skip();
      return;
    }
    try {
      await execa('dpkg', ['-i', deb], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
      const { stdout } = await execa('cassandra-extractor', ['--version']);
      expect(stdout.trim()).toBe(version);
      expect(existsSync('/usr/bin/cassandra-extractor')).toBe(true);
      for (const d of ['/etc/cassandra-extractor', '/var/lib/cassandra-extractor', '/var/log/cassandra-extractor', '/mnt/cassandra-extractor']) expect(existsSync(d), d).toBe(true);
      expect((await execa('id', ['-u', 'cassandra-extractor'])).exitCode).toBe(0);
      expect(readFileSync('/etc/fuse.conf', 'utf8')).toMatch(/^user_allow_other\s*$/m);
    } finally {
      await execa('dpkg', ['--purge', 'cassandra-extractor'], { reject: false });
    }
    expect(existsSync('/usr/bin/cassandra-extractor')).toBe(false);
    expect((await execa('id', ['-u', 'cassandra-extractor'], { reject: false })).exitCode).not.toBe(0);
    expect(existsSync('/var/lib/cassandra-extractor')).toBe(false);
  }, 120_000);

  it('.deb tree runs: the command prints the version and every dependency loads', async () => {
    const tree = join(outDir, 'deb-tree');
    await execa('dpkg-deb', ['-x', deb, tree]);
    const { stdout } = await execa('node', [join(tree, 'usr/bin/cassandra-extractor'), '--version']);
    expect(stdout.trim()).toBe(version);
    // Every production dependency (native addons included) loads from the packaged node_modules.
    const load = [
      "const pkg = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8'));",
      'for (const dep of Object.keys(pkg.dependencies)) await import(dep);',
      "const lz4 = await import('lz4-napi'); const snappy = await import('snappy');",
      "if (snappy.uncompressSync(snappy.compressSync(Buffer.from('ok'))).toString() !== 'ok') throw new Error('snappy');",
      "if ((await lz4.uncompress(await lz4.compress(Buffer.from('ok')))).toString() !== 'ok') throw new Error('lz4');",
    ].join('\n');
    await execa('node', ['--input-type=module', '-e', load], { cwd: join(tree, 'usr/lib/cassandra-extractor') });
  });

  it('.rpm holds the same files', async () => {
    const files = (await execa('rpm', ['-qpl', rpm])).stdout.split('\n');
    for (const f of [
      '/usr/bin/cassandra-extractor',
      '/usr/lib/systemd/system/cassandra-extractor.service',
      '/usr/lib/cassandra-extractor/dist/main.js',
      '/usr/lib/cassandra-extractor/node_modules/zod/package.json',
      '/etc/cassandra-extractor/agent-settings.example.yaml',
      '/etc/cassandra-extractor/secrets',
      '/var/lib/cassandra-extractor',
      '/mnt/cassandra-extractor',
    ]) expect(files).toContain(f);
    expect(files.some((f) => f.includes('/node_modules/vitest/'))).toBe(false);
  });

  it('.rpm declares its requirements and scriptlets', async () => {
    const requires = (await execa('rpm', ['-qp', '--requires', rpm])).stdout;
    expect(requires).toMatch(/^nodejs >= 20$/m);
    expect(requires).toMatch(/^fuse-sshfs$/m);
    const scripts = (await execa('rpm', ['-qp', '--scripts', rpm])).stdout;
    for (const s of ['preinstall', 'postinstall', 'preuninstall', 'postuninstall']) expect(scripts).toContain(`${s} scriptlet`);
    expect(scripts).toContain('useradd --system');
    expect(scripts).toContain('user_allow_other');
    expect(scripts).toContain('systemctl stop cassandra-extractor.service');
    expect((await execa('rpm', ['-qp', '--qf', '%{VERSION}', rpm])).stdout).toBe(version.replace('-', '~'));
  });

  it('maintainer scripts are valid POSIX sh', async () => {
    for (const s of ['postinst', 'prerm', 'postrm']) await execa('sh', ['-n', join(root, 'packaging', 'deb', 'DEBIAN', s)]);
  });
});

describe.runIf(required(['systemd-analyze'], 'systemd unit verification'))('systemd unit', () => {
  it('passes systemd-analyze verify without warnings', async () => {
    // verify checks that ExecStart exists; point it at a stand-in, keep every other line.
    const dir = await mkdtemp(join(tmpdir(), 'ce-unit-'));
    try {
      const stub = join(dir, 'cassandra-extractor');
      await writeFile(stub, '#!/bin/sh\nexit 0\n');
      await chmod(stub, 0o755);
      const unit = await readFile(unitPath, 'utf8');
      expect(unit).toMatch(/^ExecStart=\/usr\/bin\/cassandra-extractor serve --settings \/etc\/cassandra-extractor\/agent-settings.yaml$/m);
      const copy = join(dir, 'cassandra-extractor.service');
      await writeFile(copy, unit.replace(/^ExecStart=\/usr\/bin\/cassandra-extractor /m, `ExecStart=${stub} `));
      const r = await execa('systemd-analyze', ['verify', copy], { reject: false });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the FUSE-compatible privilege model', async () => {
    const unit = await readFile(unitPath, 'utf8');
    const settings = new Map(unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(settings.get('User')).toBe('cassandra-extractor');
    expect(settings.get('NoNewPrivileges')).toBe('no');
    expect(settings.get('CapabilityBoundingSet')).toBe('CAP_SYS_ADMIN');
    expect(settings.get('DeviceAllow')).toBe('/dev/fuse rw');
    expect(settings.get('ProtectSystem')).toBe('strict');
    expect(settings.get('ReadWritePaths')).toBe('/var/lib/cassandra-extractor /var/log/cassandra-extractor /mnt/cassandra-extractor');
    // Each of these would silently force NoNewPrivileges=yes for a User= service (systemd.exec(5)).
    for (const k of ['SystemCallFilter', 'SystemCallArchitectures', 'RestrictAddressFamilies', 'RestrictNamespaces', 'RestrictSUIDSGID',
      'RestrictRealtime', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectClock',
      'ProtectHostname', 'LockPersonality', 'MemoryDenyWriteExecute', 'DynamicUser', 'SystemCallLog']) {
      expect(settings.has(k), k).toBe(false);
    }
  });
});
