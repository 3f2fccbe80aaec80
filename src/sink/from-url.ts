/**
 * `openSink('/dir' | 'relative/dir' | 's3://bucket/prefix', s3opts)`: the sink an --out value names.
 * Anything that is not an s3:// URL is a local directory (the default sink, nothing to configure).
 * The S3 sink (and the AWS SDK, some 25 MB resident) is loaded only for an s3:// URL.
 */
import { AgentError } from '../errors.js';
import { LocalSink, type LocalSinkOptions } from './local.js';
import type { S3SinkOptions } from './s3.js';
import type { Sink } from './sink.js';

export type S3UrlOptions = Omit<S3SinkOptions, 'bucket' | 'prefix'>;

export async function openSink(out: string, s3: S3UrlOptions = {}, local: LocalSinkOptions = {}): Promise<Sink> {
  if (out === '') throw new AgentError('E_BAD_ARGUMENT', '--out must name a directory or s3://bucket/prefix');
  if (/^s3:\/\//i.test(out)) {
    const { parseS3Url, S3Sink } = await import('./s3.js');
    const { bucket, prefix } = parseS3Url(out);
    return new S3Sink({ ...s3, bucket, prefix });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(out)) throw new AgentError('E_BAD_ARGUMENT', `unsupported output URL ${out}: use a directory or s3://bucket/prefix`);
  return new LocalSink(out, local);
}
