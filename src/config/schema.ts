/**
 * The one schema of /etc/cassandra-extractor/agent-settings.yaml. Defaults, units and constraints live
 * here and nowhere else; `--configure` validates each answer with the same pieces, so a value the
 * prompts accept is a value the daemon accepts.
 *
 * Secrets never appear in this file: every password is a {@link SecretRef} (a 0600 file or an
 * environment variable name), resolved at use by `secrets.ts`.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { DEFAULT_PATHS } from './paths.js';

export const absolutePath = z
  .string()
  .trim()
  .min(1, 'a path is required')
  .refine((p) => posix.isAbsolute(p), 'must be an absolute path (starting with /)')
  .refine((p) => !p.includes('\0'), 'must not contain NUL characters')
  .transform((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p));

/** Host name or IP address of a Cassandra node; a dotted all-digit name must be a valid IPv4 address. */
export const hostSchema = z
  .string()
  .trim()
  .min(1, 'a host name or IP address is required')
  .pipe(z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'must be an IPv4/IPv6 address or a host name' }))
  .refine((h) => !/^[\d.]+$/.test(h) || z.ipv4().safeParse(h).success, 'not a valid IPv4 address');

export const portSchema = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

/** POSIX login names as useradd accepts them (sshfs passes it in `user@host`, so no '@' or ':'). */
export const sshUserSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, 'must be a login name (letters, digits, _ . -; at most 32 characters)');

export const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/**
 * Where a secret is kept: `{ file }` is a file holding only the secret (mode 0600 or stricter, one
 * trailing newline ignored), normally under /etc/cassandra-extractor/secrets/; `{ env }` names an
 * environment variable of the agent process (e.g. set by a systemd drop-in `LoadCredential=`).
 */
export const secretRefSchema = z.union([
  z.strictObject({ file: absolutePath }),
  z.strictObject({ env: envNameSchema }),
], { error: 'must be { file: /absolute/path } or { env: VARIABLE_NAME }' });
export type SecretRef = z.output<typeof secretRefSchema>;

/** Server identity: a PEM certificate chain + key, or a PKCS#12 bundle (SCT's "key store"). */
export const keyStoreSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('pem'),
    certPath: absolutePath,
    keyPath: absolutePath,
    passphraseRef: secretRefSchema.optional(),
  }),
  z.strictObject({ kind: z.literal('pkcs12'), path: absolutePath, passwordRef: secretRefSchema }),
]);

/** CAs used to verify client certificates (SCT's "trust store"). */
export const trustStoreSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('pem'), caPath: absolutePath }),
  z.strictObject({ kind: z.literal('pkcs12'), path: absolutePath, passwordRef: secretRefSchema }),
]);

export const sslSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    keyStore: keyStoreSchema.optional(),
    trustStore: trustStoreSchema.optional(),
    /** TLS client authentication: only callers with a certificate signed by the trust store get in. */
    requireClientCert: z.boolean().default(false),
  })
  .superRefine((ssl, ctx) => {
    if (ssl.enabled && ssl.keyStore === undefined) {
      ctx.addIssue({ code: 'custom', path: ['keyStore'], message: 'required when ssl.enabled is true' });
    }
    if (ssl.requireClientCert && ssl.trustStore === undefined) {
      ctx.addIssue({ code: 'custom', path: ['trustStore'], message: 'required when requireClientCert is true' });
    }
  });

export const agentSchema = z
  .strictObject({
    host: z.string().trim().min(1).default('0.0.0.0'),
    port: portSchema.default(8080),
    /** Password SCT presents when it registers with and calls the agent. */
    passwordRef: secretRefSchema,
    ssl: sslSchema.prefault({}),
    /** Serving the API without TLS must be asked for explicitly. */
    allowPlainHttp: z.boolean().default(false),
  })
  .superRefine((agent, ctx) => {
    if (!agent.ssl.enabled && !agent.allowPlainHttp) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssl', 'enabled'],
        message: 'TLS is off; enable it or set agent.allowPlainHttp: true to serve plain HTTP on purpose',
      });
    }
  });

export const sshAuthSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('password'), passwordRef: secretRefSchema }),
  z.strictObject({ kind: z.literal('key'), privateKeyPath: absolutePath, passphraseRef: secretRefSchema.optional() }),
]);
export type SshAuth = z.output<typeof sshAuthSchema>;

/** OpenSSH StrictHostKeyChecking values; `accept-new` trusts a node's key on first contact only. */
export const hostKeyCheckingSchema = z.enum(['yes', 'accept-new', 'no']);

export const nodeSchema = z
  .strictObject({
    host: hostSchema,
    sshPort: portSchema.default(22),
    user: sshUserSchema,
    auth: sshAuthSchema,
    /** cassandra.yaml on the node (read through the conf mount). */
    cassandraYaml: absolutePath,
    /** Directory mounted as conf/; defaults to the directory of cassandraYaml. */
    confDirectory: absolutePath.optional(),
    /** cassandra.yaml `data_file_directories` on the node, each mounted read-only. */
    dataDirectories: z.array(absolutePath).min(1, 'at least one data directory is required'),
    strictHostKeyChecking: hostKeyCheckingSchema.default('accept-new'),
    knownHostsPath: absolutePath.default(DEFAULT_PATHS.knownHosts),
  })
  .transform((n) => ({ ...n, confDirectory: n.confDirectory ?? posix.dirname(n.cassandraYaml) }));

export const sshfsSchema = z.strictObject({
  /** sshfs `max_conns` (sshfs >= 3.7): parallel SSH connections per mount. */
  maxConns: z.number().int().min(1).max(32).default(4),
  /** FUSE `max_read`, in bytes: the largest single read request sent to sshfs. */
  maxRead: z.number().int().min(4096).max(1048576).default(131072),
  /** Seconds between SSH keep-alives (`ServerAliveInterval`); a dead link fails reads instead of hanging. */
  serverAliveInterval: z.number().int().min(1).max(3600).default(15),
  reconnect: z.boolean().default(true),
});

export const limitsSchema = z.strictObject({
  /** Concurrent SSTable readers across all nodes. */
  workers: z.number().int().min(1).max(256).default(4),
  /** Read budget per node in MB/s (10^6 bytes) to spare a live cluster; 0 means unlimited. */
  readMBpsPerNode: z.number().min(0).default(0),
});

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

export const settingsSchema = z
  .strictObject({
    agent: agentSchema,
    nodes: z.array(nodeSchema).min(1, 'at least one node is required'),
    mountRoot: absolutePath.default(DEFAULT_PATHS.mountRoot),
    outputFolder: absolutePath.default(DEFAULT_PATHS.outputFolder),
    stateDir: absolutePath.default(DEFAULT_PATHS.stateDir),
    logDir: absolutePath.default(DEFAULT_PATHS.logDir),
    logLevel: logLevelSchema.default('info'),
    sshfs: sshfsSchema.prefault({}),
    limits: limitsSchema.prefault({}),
  })
  .superRefine((s, ctx) => {
    // Each node is mounted under <mountRoot>/<host>_node, so two entries for one host would collide.
    const seen = new Map<string, number>();
    s.nodes.forEach((n, i) => {
      const key = n.host.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'host'], message: `duplicate of nodes.${first}.host (${n.host})` });
      } else {
        seen.set(key, i);
      }
    });
  });

/** What the YAML may hold (defaults optional). */
export type SettingsInput = z.input<typeof settingsSchema>;
/** Validated settings with every default filled in; `loadSettings` returns them deep-frozen. */
export type Settings = z.output<typeof settingsSchema>;
export type NodeSettings = Settings['nodes'][number];
export type AgentSettings = Settings['agent'];
export type SslSettings = AgentSettings['ssl'];
export type KeyStore = z.output<typeof keyStoreSchema>;
export type TrustStore = z.output<typeof trustStoreSchema>;
