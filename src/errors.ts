/**
 * One error base with stable codes. The catalog below is mirrored in docs/errors.md; a test checks
 * that both list the same codes. Pure stages throw these too (they carry data, not I/O policy).
 */
export const ERROR_CATALOG = {
  E_CORRUPT_CHUNK: { status: 422, hint: 'The SSTable chunk failed its checksum or did not decompress; run nodetool scrub on the node or restore the file from a snapshot.' },
  E_TRUNCATED: { status: 422, hint: 'The file ends before the structure it holds; it may still be being written, or was copied partially.' },
  E_MISSING_COMPONENT: { status: 422, hint: 'A component the SSTable needs is absent; check the TOC.txt and that the copy or mount is complete.' },
  E_UNSUPPORTED_VERSION: { status: 422, hint: 'Only SSTable formats ka, la, lb, ma, mb, mc, md and me are supported.' },
  E_UNSUPPORTED_COMPRESSOR: { status: 422, hint: 'Supported compressors: LZ4Compressor, SnappyCompressor, DeflateCompressor, ZstdCompressor.' },
  E_BAD_TYPE: { status: 422, hint: 'The type string could not be parsed; check the schema or the SSTable header.' },
  E_BAD_FORMAT: { status: 422, hint: 'The bytes do not follow the SSTable format at this position.' },
  E_SCHEMA: { status: 422, hint: 'The schema is missing, cannot be parsed, or does not match the data.' },
  E_BAD_ARGUMENT: { status: 400, hint: 'Check the command line or request against the documentation.' },
  E_NOT_FOUND: { status: 404, hint: 'Check the path, keyspace and table names.' },
  E_TABLE_CHANGING: { status: 409, hint: "Compaction kept deleting the table's SSTables between listing and opening them; retry later, or read a snapshot (read.snapshotTag: nodetool snapshot -t <tag>) whose files stay put." },
  E_IO: { status: 500, hint: 'An operating-system read or write failed; see the cause.' },
  E_SSH_UNREACHABLE: { status: 502, hint: 'The node did not accept an SSH connection (refused, timed out or unknown name); check host, sshPort, firewalls and that sshd runs on the node.' },
  E_SSH_AUTH: { status: 502, hint: 'The node refused the SSH credentials; check the user, the private key or password secret, and the key passphrase.' },
  E_SSH_HOST_KEY: { status: 502, hint: "The node's SSH host key is not in known_hosts or has changed; verify it, then fix knownHostsPath or use strictHostKeyChecking accept-new for a first contact." },
  E_REMOTE_COMMAND: { status: 502, hint: 'A command run on the node over SSH failed or timed out; see its exit status and stderr (nodetool needs Cassandra running and JMX reachable).' },
  E_MOUNT_UNAVAILABLE: { status: 500, hint: 'sshfs or FUSE is not usable here: install sshfs (fuse3), make sure /dev/fuse exists, and add user_allow_other to /etc/fuse.conf when the agent mounts as a non-root user.' },
  E_MOUNT_FAILED: { status: 502, hint: 'sshfs could not mount a directory of the node; see the sshfs message, the node settings and the remote path.' },
  E_MOUNT_LOST: { status: 503, hint: 'An sshfs mount stopped answering (transport endpoint not connected, I/O error or timeout); the agent remounts it; check the node and the network.' },
  E_UNAUTHORIZED: { status: 401, hint: 'Send the agent password (Authorization: Bearer <password>) or a client certificate signed by the trust store.' },
  E_FORBIDDEN: { status: 403, hint: 'The client certificate was not signed by a CA in the agent trust store.' },
  E_CONFLICT: { status: 409, hint: 'The request conflicts with the current state (task state, or another active task on the same table).' },
  E_UNSUPPORTED_FEATURE: { status: 422, hint: 'The option is part of the model but not implemented yet; see docs/api.md.' },
  E_DISK_FULL: { status: 507, hint: 'The local disk is full; free space in the output folder, then resume the task (nothing is lost).' },
  E_INTERNAL: { status: 500, hint: 'An unexpected error; the agent log holds the details.' },
  E_ABORTED: { status: 499, hint: 'The operation was cancelled (pause, stop or shutdown); a resume continues from the checkpoint.' },
  E_UPLOAD: { status: 502, hint: 'The object store refused or dropped an upload after every retry; check the bucket, region, endpoint, credentials and network, then resume.' },
  E_VERIFY: { status: 502, hint: 'An object did not match what was sent (size or SHA-256) after upload; it was removed and nothing was reported as written. Resume to write it again.' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface ErrorLocation {
  file?: string;
  /** byte offset, in the file or (for Data.db) in the uncompressed stream, as the message says */
  offset?: number | bigint;
  chunk?: number;
  host?: string;
}

export class AgentError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(AgentError.compose(message, location), options);
    this.name = 'AgentError';
    this.code = code;
    this.location = location;
  }

  get hint(): string {
    return ERROR_CATALOG[this.code].hint;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  private static compose(message: string, loc: ErrorLocation): string {
    const where: string[] = [];
    if (loc.host !== undefined) where.push(`host ${loc.host}`);
    if (loc.file !== undefined) where.push(loc.file);
    if (loc.chunk !== undefined) where.push(`chunk ${loc.chunk}`);
    if (loc.offset !== undefined) where.push(`offset ${loc.offset}`);
    return where.length > 0 ? `${message} (${where.join(', ')})` : message;
  }

  /** The same error, now also naming the file (decoders that work on bytes do not know it). */
  withFile(file: string): AgentError {
    if (this.location.file !== undefined) return this;
    const e = new AgentError(this.code, this.message, { ...this.location, file }, { cause: this.cause });
    return e;
  }
}

export function isAgentError(e: unknown): e is AgentError {
  return e instanceof AgentError;
}
