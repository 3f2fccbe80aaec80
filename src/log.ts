/**
 * The one pino root logger of the daemon. Everything else gets a child of it (api, task <id>, node
 * <host>). Lines go to stdout (journald under systemd) and to `<logDir>/agent.log`. Secrets are
 * redacted by path, wherever they sit in a logged object; SecretValue also prints as "[redacted]".
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';

export type { Logger } from 'pino';

/** Key names whose values never reach a log line. */
const SECRET_KEYS = ['password', 'passphrase', 'secret', 'authorization', 'cookie', 'passwordRef', 'passphraseRef', 'token', 'privateKey'];

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export interface RootLoggerOptions {
  readonly level: string;
  /** directory of agent.log; created if missing (0750). Undefined: stdout only */
  readonly logDir?: string;
  /** replaces stdout (tests) */
  readonly stdout?: DestinationStream;
  /** write synchronously (tests, and lines that must land before exit) */
  readonly sync?: boolean;
}

export interface RootLogger {
  readonly logger: Logger;
  /** flushes the file destination; call before exit */
  flush(): void;
}

export function createRootLogger(opts: RootLoggerOptions): RootLogger {
  const streams: StreamEntry[] = [{ level: 'trace', stream: opts.stdout ?? pino.destination({ dest: 1, sync: opts.sync ?? false }) }];
  let file: ReturnType<typeof pino.destination> | undefined;
  if (opts.logDir !== undefined) {
    mkdirSync(opts.logDir, { recursive: true, mode: 0o750 });
    file = pino.destination({ dest: join(opts.logDir, 'agent.log'), sync: opts.sync ?? false, mkdir: true });
    streams.push({ level: 'trace', stream: file });
  }
  const logger = pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
  return {
    logger,
    flush: () => {
      if (file !== undefined) {
        try {
          file.flushSync();
        } catch {
          return; // not ready yet (nothing written): nothing to flush
        }
      }
    },
  };
}
