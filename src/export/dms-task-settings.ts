/**
 * The DMS ReplicationTaskSettings document for S3 (CSV) -> DynamoDB (dms-formats.md §3), for a full
 * load or a full load + CDC. Values not set from options are DMS's documented defaults, written out so
 * that the document does not depend on DMS filling in missing keys [U].
 */
import type { DmsOptions } from './options.js';

/** DMS LOB sizes are in KB; 32 KB is DMS's own LobMaxSize default. */
const MIN_LOB_KB = 32;

export type TaskSettings = Record<string, unknown>;

/**
 * @param maxLobBytes the longest CLOB/BLOB value of all tables, in bytes: LobMaxSize is set so that no
 *   exported LOB is truncated (an S3 source has only the limited LOB mode)
 */
export function taskSettings(o: DmsOptions, maxLobBytes: number): TaskSettings {
  const cdc = o.migrationType === 'full-load-and-cdc';
  const lobKb = Math.max(MIN_LOB_KB, Math.ceil(maxLobBytes / 1024));
  const severity = (id: string, s: string): { Id: string; Severity: string } => ({ Id: id, Severity: `LOGGER_SEVERITY_${s}` });
  const settings: TaskSettings = {
    TargetMetadata: {
      TargetSchema: '',
      SupportLobs: true,
      FullLobMode: false,
      LobChunkSize: 64,
      LimitedSizeLobMode: true,
      LobMaxSize: lobKb,
      InlineLobMaxSize: 0,
      ParallelLoadThreads: o.parallelLoadThreads,
      ParallelLoadBufferSize: o.parallelLoadBufferSize,
      BatchApplyEnabled: false,
    },
    FullLoadSettings: {
      TargetTablePrepMode: o.targetTablePrepMode,
      CreatePkAfterFullLoad: false,
      StopTaskCachedChangesApplied: false,
      StopTaskCachedChangesNotApplied: false,
      MaxFullLoadSubTasks: o.maxFullLoadSubTasks,
      TransactionConsistencyTimeout: 600,
      CommitRate: 10000,
    },
    Logging: {
      EnableLogging: o.enableLogging,
      LogComponents: [
        severity('SOURCE_UNLOAD', 'DEFAULT'),
        severity('SOURCE_CAPTURE', 'DEFAULT'),
        severity('TARGET_LOAD', 'INFO'),
        severity('TARGET_APPLY', 'INFO'),
        severity('TASK_MANAGER', 'DEFAULT'),
      ],
    },
    ControlTablesSettings: {
      ControlSchema: '',
      HistoryTimeslotInMinutes: 5,
      HistoryTableEnabled: false,
      SuspendedTablesTableEnabled: false,
      StatusTableEnabled: false,
    },
    StreamBufferSettings: { StreamBufferCount: 3, StreamBufferSizeInMB: 8, CtrlStreamBufferSizeInMB: 5 },
    ErrorBehavior: {
      DataErrorPolicy: 'LOG_ERROR',
      DataTruncationErrorPolicy: 'LOG_ERROR',
      DataErrorEscalationPolicy: 'SUSPEND_TABLE',
      DataErrorEscalationCount: 0,
      TableErrorPolicy: 'SUSPEND_TABLE',
      TableErrorEscalationPolicy: 'STOP_TASK',
      TableErrorEscalationCount: 0,
      RecoverableErrorCount: -1,
      RecoverableErrorInterval: 5,
      RecoverableErrorThrottling: true,
      RecoverableErrorThrottlingMax: 1800,
      ApplyErrorDeletePolicy: 'IGNORE_RECORD',
      ApplyErrorInsertPolicy: 'LOG_ERROR',
      ApplyErrorUpdatePolicy: 'LOG_ERROR',
      ApplyErrorEscalationPolicy: 'LOG_ERROR',
      ApplyErrorEscalationCount: 0,
      FullLoadIgnoreConflicts: true,
    },
    // Validation supports neither an S3 source nor a DynamoDB target (dms-formats.md §3).
    ValidationSettings: { EnableValidation: false },
  };
  if (cdc) {
    settings['ChangeProcessingTuning'] = {
      MinTransactionSize: 1000,
      CommitTimeout: 1,
      MemoryLimitTotal: 1024,
      MemoryKeepTime: 60,
      StatementCacheSize: 50,
    };
    settings['ChangeProcessingDdlHandlingPolicy'] = {
      HandleSourceTableDropped: true,
      HandleSourceTableTruncated: true,
      HandleSourceTableAltered: true,
    };
  }
  return settings;
}
