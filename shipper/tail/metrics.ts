/** The tailer's Prometheus metrics; labels are bounded (rotation kind, error reason — never a path). */
import { Counter, Gauge, type Registry } from '../kit/metrics.ts';

export type RotationKind = 'rename' | 'copytruncate' | 'truncate' | 'delete';

export type TailErrorReason =
  | 'directory' | 'permission' | 'symlink_loop' | 'not_regular' | 'not_found'
  | 'open' | 'read' | 'stat' | 'glob' | 'watch' | 'too_many_open_files';

export interface TailMetrics {
  files: Gauge<string>;
  bytesRead: Counter<string>;
  lines: Counter<string>;
  rotations: Counter<string>;
  truncatedLines: Counter<string>;
  errors: Counter<string>;
  polls: Counter<string>;
  scans: Counter<string>;
}

export function createTailMetrics(registry: Registry): TailMetrics {
  return {
    files: gauge(registry, 'logship_tail_files', 'Files open for tailing (followed, or rotated away and being finished).'),
    bytesRead: counter(registry, 'logship_tail_bytes_read_total', 'Bytes read from tailed files.', []),
    lines: counter(registry, 'logship_tail_lines_total', 'Lines read from tailed files.', []),
    rotations: counter(registry, 'logship_tail_rotations_total', 'Rotations seen, by kind (rename, copytruncate, truncate, delete).', ['kind']),
    truncatedLines: counter(registry, 'logship_tail_truncated_lines_total', 'Lines longer than --max-line-bytes, cut and shipped flagged.', []),
    errors: counter(registry, 'logship_tail_errors_total', 'Files that could not be tailed or read, by reason.', ['reason']),
    scans: counter(registry, 'logship_tail_periodic_scans_total', 'Periodic rescans, by kind (full: the globs expanded again; unchanged: no watched directory changed, so no glob).', ['kind']),
    polls: counter(registry, 'logship_tail_polls_total', 'Stat polls of open files (quiet files are polled less and less often, see --poll-backoff-max).', []),
  };
}

/** prom-client refuses to register a name twice: tailers sharing a registry share the metric. */
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string): Gauge<string> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing as Gauge<string>;
  return new Gauge({ name, help, registers: [registry] });
}
