/**
 * Prometheus text exposition (format 0.0.4) of the tasks: counts by state, and per task its
 * full-load percent, rows, bytes, throughput and elapsed time. Label values are escaped as the
 * format requires (backslash, double quote, newline).
 */
import { TASK_STATE_KINDS, tableCounts, type TaskRecord } from '../tasks/model.js';

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: readonly string[];
}

function family(f: Family): string {
  return `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.samples.map((s) => `${s}\n`).join('')}`;
}

export function renderMetrics(tasks: readonly TaskRecord[], version: string): string {
  const byState = new Map<string, number>(TASK_STATE_KINDS.map((k) => [k, 0]));
  for (const t of tasks) byState.set(t.state.kind, (byState.get(t.state.kind) ?? 0) + 1);
  const per = (name: string, help: string, type: Family['type'], value: (t: TaskRecord) => number): string =>
    family({ name, help, type, samples: tasks.map((t) => `${name}{task="${label(t.id)}",keyspace="${label(t.spec.keyspace)}"} ${value(t)}`) });
  const tableSamples: string[] = [];
  for (const t of tasks) {
    for (const [state, n] of Object.entries(tableCounts(t.progress))) tableSamples.push(`cassandra_extractor_task_tables{task="${label(t.id)}",state="${state}"} ${n}`);
  }
  return [
    family({ name: 'cassandra_extractor_info', help: 'agent version', type: 'gauge', samples: [`cassandra_extractor_info{version="${label(version)}"} 1`] }),
    family({ name: 'cassandra_extractor_tasks', help: 'tasks by state', type: 'gauge', samples: [...byState].map(([s, n]) => `cassandra_extractor_tasks{state="${s}"} ${n}`) }),
    per('cassandra_extractor_task_percent', 'full-load percent of a task', 'gauge', (t) => t.progress.percent),
    per('cassandra_extractor_task_rows_total', 'rows written by a task', 'counter', (t) => t.progress.rows),
    per('cassandra_extractor_task_bytes_total', 'CSV bytes written by a task', 'counter', (t) => t.progress.bytes),
    per('cassandra_extractor_task_throughput_bytes_per_second', 'bytes per second over the current run', 'gauge', (t) => t.progress.throughputBytesPerSec),
    per('cassandra_extractor_task_elapsed_seconds', 'seconds a task has been running, all runs', 'counter', (t) => t.progress.elapsedMs / 1000),
    family({ name: 'cassandra_extractor_task_tables', help: 'tables of a task by load state', type: 'gauge', samples: tableSamples }),
  ].join('');
}
