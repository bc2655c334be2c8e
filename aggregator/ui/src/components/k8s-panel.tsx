/**
 * Kubernetes drill-down, as Sysdig's views do it: namespace → workload → pod → container. Each level
 * lists its values with their counts over the current query; picking one adds a filter pill and goes
 * one level down; the breadcrumb goes back up by removing the deeper pills.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Filter, FilterValue } from '../search/requests.ts';
import { formatCount } from '../format.ts';

export const WORKLOAD_FIELDS = ['kubernetes.deployment.name', 'kubernetes.statefulset.name', 'kubernetes.daemonset.name', 'kubernetes.job.name'] as const;
export const LEVELS: ReadonlyArray<{ name: string; plural: string; fields: readonly string[] }> = [
  { name: 'namespace', plural: 'Namespaces', fields: ['kubernetes.namespace'] },
  { name: 'workload', plural: 'Workloads', fields: WORKLOAD_FIELDS },
  { name: 'pod', plural: 'Pods', fields: ['kubernetes.pod.name'] },
  { name: 'container', plural: 'Containers', fields: ['kubernetes.container.name'] },
];

export type LevelEntry = { readonly field: string; readonly key: FilterValue; readonly label: string; readonly count: number };

type Props = {
  readonly filters: readonly Filter[];
  readonly queryKey: string | null;
  readonly load: (fields: readonly string[], signal: AbortSignal) => Promise<LevelEntry[]>;
  readonly onPick: (filter: Filter) => void;
  /** Keeps the filters before `levelIndex` and drops the Kubernetes ones from there down. */
  readonly onUp: (levelIndex: number) => void;
};

/** The positive filter that fixes a level, if any. */
function levelFilter(filters: readonly Filter[], level: { fields: readonly string[] }): Filter | undefined {
  return filters.find((f) => !f.negate && level.fields.includes(f.field));
}

export function K8sPanel({ filters, queryKey, load, onPick, onUp }: Props) {
  const chosen = LEVELS.map((level) => levelFilter(filters, level));
  const depth = chosen.findIndex((f) => f === undefined);
  const current = depth === -1 ? null : LEVELS[depth]!;
  const [state, setState] = useState<{ entries: LevelEntry[] | null; error: string | null }>({ entries: null, error: null });
  useEffect(() => {
    setState({ entries: null, error: null });
    if (!current || queryKey === null) return;
    const controller = new AbortController();
    load(current.fields, controller.signal).then(
      (entries) => setState({ entries, error: null }),
      (error: unknown) => { if (!controller.signal.aborted) setState({ entries: null, error: error instanceof Error ? error.message : String(error) }); },
    );
    return () => controller.abort();
  }, [current?.name, queryKey]);

  return (
    <section class="k8s" data-testid="k8s" aria-label="Kubernetes drill-down">
      <nav class="breadcrumb" aria-label="Kubernetes level">
        <button type="button" class="link-button" onClick={() => onUp(0)} data-testid="k8s-crumb">All namespaces</button>
        {chosen.map((f, i) => f && (
          <span key={LEVELS[i]!.name}>
            <span class="crumb-sep">›</span>
            <button type="button" class="link-button" onClick={() => onUp(i + 1)} data-testid="k8s-crumb" title={f.field}>{String(f.value)}</button>
          </span>
        ))}
      </nav>
      {current === null
        ? <p class="muted">Showing one container.</p>
        : (
          <>
            <h3 class="k8s-heading">{current.plural}</h3>
            {state.error && <p class="error-text">{state.error}</p>}
            {!state.entries && !state.error && <p class="muted">Counting…</p>}
            {state.entries && state.entries.length === 0 && <p class="muted">{`No ${current.plural.toLowerCase()} in these results.`}</p>}
            {state.entries && state.entries.length > 0 && (
              <ul class="k8s-list" data-testid="k8s-level" data-level={current.name}>
                {state.entries.map((e) => (
                  <li key={`${e.field}=${e.label}`}>
                    <button type="button" class="k8s-entry" data-testid="k8s-entry" data-value={e.label} onClick={() => onPick({ field: e.field, value: e.key, negate: false })}>
                      <span class="k8s-name">{e.label}</span>
                      {current.name === 'workload' && <span class="k8s-kind">{e.field.split('.')[1]}</span>}
                      <span class="k8s-count">{formatCount(e.count)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
    </section>
  );
}
