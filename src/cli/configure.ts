/**
 * `cassandra-extractor configure`: the interactive set-up of the AWS SCT Cassandra agent
 * (docs/configuration.md), asking in the same order: number of data-provider nodes; per node its
 * address, SSH port, login, password or private key (+ passphrase), cassandra.yaml and data
 * directories; SSL key and trust stores; the agent password; the output folder.
 *
 * Every answer goes through the settings schema's own validators and is asked again until valid.
 * Secrets are written to 0600 files under `secretsDir` and only referenced from the settings file,
 * which is itself written 0600. Nothing is written until every answer is in.
 *
 * Exit codes: 0 done; 1 the settings were not written, or were written but mounting failed;
 * 2 the input ended before all answers were given.
 */
import { isAgentError } from '../errors.js';
import type { FileOwner } from '../config/atomic-write.js';
import { parseSettings, writeSettings, type FrozenSettings } from '../config/load.js';
import { DEFAULT_PATHS } from '../config/paths.js';
import {
  hostSchema,
  portSchema,
  sshUserSchema,
  type KeyStore,
  type SecretRef,
  type SettingsInput,
  type SshAuth,
  type TrustStore,
} from '../config/schema.js';
import { secretFileName, writeSecretFile } from '../config/secrets.js';
import { InputEndedError, Prompter, viaSchema, type PromptIO } from './prompt.js';
import {
  parseAbsolutePath,
  parseCassandraYaml,
  parseDirectoryList,
  parseExistingFile,
  parseNodeCount,
  storeFormatOf,
} from './prompt-answers.js';

export interface ConfigureOptions {
  settingsPath: string;
  secretsDir: string;
  /** Mount every node through `mountFn` once the settings are written (the AWS agent does). */
  mount: boolean;
  mountFn?: (settings: FrozenSettings) => Promise<void>;
  /** Owner for the settings and secret files (the service account when run as root). */
  owner?: FileOwner;
}

/** Paths the systemd unit may write to (ReadWritePaths=); other output folders need a drop-in. */
const SERVICE_WRITABLE = [DEFAULT_PATHS.stateDir, DEFAULT_PATHS.logDir, DEFAULT_PATHS.mountRoot];

/** Secrets collected while asking; written only when every answer is in. */
class PendingSecrets {
  readonly #items: { label: string; value: string }[] = [];
  constructor(private readonly dir: string) {}

  /** Reference where `value` will be stored (the file name depends only on `label`). */
  add(label: string, value: string): SecretRef {
    this.#items.push({ label, value });
    return { file: `${this.dir}/${secretFileName(label)}` };
  }

  async writeAll(owner: FileOwner | undefined): Promise<void> {
    for (const s of this.#items) await writeSecretFile(this.dir, s.label, s.value, { owner });
  }
}

export async function runConfigure(io: PromptIO, opts: ConfigureOptions): Promise<number> {
  const p = new Prompter(io);
  try {
    return await configure(p, opts);
  } catch (e) {
    if (!isAgentError(e)) throw e;
    p.say(`configure: ${e.message}`);
    return e instanceof InputEndedError ? 2 : 1;
  } finally {
    p.close();
  }
}

async function configure(p: Prompter, opts: ConfigureOptions): Promise<number> {
  const secrets = new PendingSecrets(opts.secretsDir.replace(/\/+$/, ''));
  const keyWarnings: string[] = [];
  p.say('cassandra-extractor configuration. Press Enter to accept a [default].');

  const count = await p.askValid('Number of data-provider nodes', parseNodeCount, { default: '1' });
  const nodes: SettingsInput['nodes'] = [];
  const hosts = new Set<string>();
  for (let i = 1; i <= count; i++) {
    const node = `Node ${i}`;
    const parseHost = viaSchema(hostSchema);
    const host = await p.askValid(`${node} IP address or host name`, (a) => {
      const r = parseHost(a);
      return r.ok && hosts.has(r.value.toLowerCase()) ? { ok: false, message: `${r.value} was already given` } : r;
    });
    hosts.add(host.toLowerCase());
    const sshPort = await p.askValid(`${node} SSH port`, viaSchema(portSchema), { default: '22' });
    const user = await p.askValid(`${node} SSH login`, viaSchema(sshUserSchema));
    const auth = await askSshAuth(p, node, host, secrets, keyWarnings);
    const cassandraYaml = await p.askValid(`${node} path to cassandra.yaml (or its directory)`, parseCassandraYaml, { default: '/etc/cassandra/conf' });
    const dataDirectories = await p.askValid(`${node} Cassandra data directories, comma-separated`, parseDirectoryList, { default: '/var/lib/cassandra/data' });
    nodes.push({ host, sshPort, user, auth, cassandraYaml, dataDirectories });
  }

  const useSsl = await p.askYesNo('Enable SSL communication?', true);
  const ssl = useSsl ? await askSsl(p, secrets) : { enabled: false };
  if (!useSsl) p.say('  warning: the agent API will serve plain HTTP (agent.allowPlainHttp: true).');
  const agentPassword = await p.askSecretTwice('Agent password (give the same one when registering the agent in SCT)');
  const passwordRef = secrets.add('agent-password', agentPassword);
  const outputFolder = await p.askValid('Output local folder', parseAbsolutePath, { default: DEFAULT_PATHS.outputFolder });
  if (!SERVICE_WRITABLE.some((dir) => outputFolder === dir || outputFolder.startsWith(`${dir}/`))) {
    p.say(`  note: the service may only write under ${SERVICE_WRITABLE.join(', ')}; add ReadWritePaths=${outputFolder} in a drop-in (docs/configuration.md).`);
  }

  // Validate the whole document before anything touches the disk.
  const settings = parseSettings({ agent: { passwordRef, ssl, allowPlainHttp: !useSsl }, nodes, outputFolder }, 'the answers');
  await secrets.writeAll(opts.owner);
  await writeSettings(opts.settingsPath, settings, { owner: opts.owner });
  p.say(`Settings written to ${opts.settingsPath}; secrets to ${opts.secretsDir}.`);
  for (const w of keyWarnings) p.say(w);

  if (opts.mount && opts.mountFn !== undefined) {
    p.say(`Mounting ${settings.nodes.length} node(s) under ${settings.mountRoot} ...`);
    try {
      await opts.mountFn(settings);
    } catch (e) {
      p.say(`Mounting failed: ${e instanceof Error ? e.message : String(e)}`);
      p.say('Fix the node settings, then run: sudo cassandra-extractor mount');
      return 1;
    }
    p.say('All nodes mounted.');
  } else if (opts.mount) {
    p.say('Mount the nodes with: sudo cassandra-extractor mount');
  }
  p.say(`Configuration completed. To add nodes or change parameters edit ${opts.settingsPath},`);
  p.say('then run: sudo systemctl restart cassandra-extractor');
  return 0;
}

async function askSshAuth(p: Prompter, node: string, host: string, secrets: PendingSecrets, keyWarnings: string[]): Promise<SshAuth> {
  const useKey = await p.askYesNo(`${node} connect with SSH private key?`, false);
  if (!useKey) {
    const password = await p.askSecretTwice(`${node} SSH password`);
    return { kind: 'password', passwordRef: secrets.add(`node-${host}-ssh-password`, password) };
  }
  const key = await p.askValid(`${node} SSH private key path`, parseExistingFile);
  if ((key.mode & 0o077) !== 0) {
    keyWarnings.push(`warning: ${key.path} is readable by group or others; run: chmod 600 ${key.path}`);
  }
  const passphrase = await p.askSecretTwice(`${node} private key passphrase (empty for none)`, true);
  return passphrase === ''
    ? { kind: 'key', privateKeyPath: key.path }
    : { kind: 'key', privateKeyPath: key.path, passphraseRef: secrets.add(`node-${host}-key-passphrase`, passphrase) };
}

async function askSsl(p: Prompter, secrets: PendingSecrets): Promise<{ enabled: true; keyStore: KeyStore; trustStore?: TrustStore; requireClientCert: boolean }> {
  const ks = await p.askValid('Key store path (PKCS#12 .p12/.pfx, or PEM certificate chain)', async (a) => {
    const f = await parseExistingFile(a);
    if (!f.ok) return f;
    const fmt = storeFormatOf(f.value.path);
    return fmt.ok ? { ok: true, value: { path: f.value.path, format: fmt.value } } : fmt;
  });
  let keyStore: KeyStore;
  if (ks.format === 'pkcs12') {
    const pw = await p.askSecretTwice('Key store password');
    keyStore = { kind: 'pkcs12', path: ks.path, passwordRef: secrets.add('keystore-password', pw) };
  } else {
    const key = await p.askValid('Private key (PEM) path', parseExistingFile);
    const pw = await p.askSecretTwice('Private key passphrase (empty for none)', true);
    keyStore = pw === ''
      ? { kind: 'pem', certPath: ks.path, keyPath: key.path }
      : { kind: 'pem', certPath: ks.path, keyPath: key.path, passphraseRef: secrets.add('keystore-password', pw) };
  }

  const ts = await p.askValid('Trust store path (PKCS#12, or PEM CA bundle; empty for none)', async (a) => {
    if (a === '') return { ok: true, value: undefined };
    const f = await parseExistingFile(a);
    if (!f.ok) return f;
    const fmt = storeFormatOf(f.value.path);
    return fmt.ok ? { ok: true, value: { path: f.value.path, format: fmt.value } } : fmt;
  });
  if (ts === undefined) return { enabled: true, keyStore, requireClientCert: false };
  const trustStore: TrustStore = ts.format === 'pkcs12'
    ? { kind: 'pkcs12', path: ts.path, passwordRef: secrets.add('truststore-password', await p.askSecretTwice('Trust store password')) }
    : { kind: 'pem', caPath: ts.path };
  const requireClientCert = await p.askYesNo('Require client certificates signed by the trust store?', true);
  return { enabled: true, keyStore, trustStore, requireClientCert };
}
