/**
 * 3.x lifecycle transaction logs, `<ver>_txn_<operation>_<uuid>.log` (§1.1; C/db/lifecycle/LogFile.java,
 * LogRecord.java). Each line is `type:[absolutePathPrefix,updateTime,numFiles][checksum]`.
 *
 * A log without a `commit` record belongs to an unfinished (or aborted) operation: the sstables its `add`
 * records name are incomplete. With `commit`, the sstables named by `remove` records are obsolete. Either
 * way Cassandra deletes those files on startup (LogTransaction.removeUnfinishedLeftovers), so a reader
 * must skip them.
 */

/** Matches a transaction-log file name. */
export const TXN_LOG_NAME = /^[a-z]+_txn_[a-z_]+_[0-9a-f-]+\.log$/i;

const RECORD = /^(add|remove|commit|abort):\[(.*),(-?\d+),(-?\d+)\]\[(-?\d+)\]\s*$/;

export interface TxnLogVerdict {
  readonly committed: boolean;
  /** sstable keys (see sstableKeyOfPath) that must not be read because of this log */
  readonly skipped: ReadonlySet<string>;
}

/**
 * The key that ties a log record to an sstable: the last path segment of its path prefix without the
 * trailing `-` (LogRecord writes `baseFilename() + "-"`), e.g. `mc-5-big`. Matching on the name only
 * keeps working when the data directory is mounted or copied elsewhere.
 */
export function sstableKeyOfPath(pathPrefix: string): string {
  const slash = Math.max(pathPrefix.lastIndexOf('/'), pathPrefix.lastIndexOf('\\'));
  let name = pathPrefix.slice(slash + 1);
  while (name.endsWith('-')) name = name.slice(0, -1);
  return name;
}

/**
 * Pure: decides which sstables a log excludes. Lines that do not parse (a torn last line, since the log is
 * appended and fsynced record by record) are ignored; without a parsed `commit` the operation counts as
 * unfinished, which is what LogFile concludes too.
 */
export function evaluateTxnLog(text: string): TxnLogVerdict {
  const added: string[] = [];
  const removed: string[] = [];
  let committed = false;
  let aborted = false;
  for (const line of text.split(/\r?\n/)) {
    const m = RECORD.exec(line.trim());
    if (m === null) continue;
    const type = m[1];
    const path = m[2] ?? '';
    if (type === 'add') added.push(sstableKeyOfPath(path));
    else if (type === 'remove') removed.push(sstableKeyOfPath(path));
    else if (type === 'commit') committed = true;
    else aborted = true;
  }
  const done = committed && !aborted;
  return { committed: done, skipped: new Set(done ? removed : added) };
}
