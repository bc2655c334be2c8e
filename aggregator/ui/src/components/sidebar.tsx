/**
 * Every field of the index pattern (from `_field_caps`), searchable by name. A field opens into its top
 * values over the current query (a `terms` aggregation; for fields that cannot be aggregated, the
 * lines on screen), each with "filter for" / "filter out", and a button to show it as a column.
 */
import { useEffect, useState } from 'preact/hooks';
import type { FieldInfo } from '../search/fields.ts';
import type { Filter, TermBucket } from '../search/requests.ts';
import { formatCount } from '../format.ts';

export type TopValues = { readonly field: string; readonly total: number; readonly buckets: readonly TermBucket[]; readonly sampled: boolean };

type Props = {
  readonly fields: readonly FieldInfo[] | null;
  readonly fieldsError: string | null;
  readonly presentFields: ReadonlySet<string>;
  readonly columns: readonly string[];
  readonly onToggleColumn: (field: string) => void;
  readonly onFilter: (filter: Filter) => void;
  readonly loadTopValues: (field: FieldInfo, signal: AbortSignal) => Promise<TopValues>;
  /** Changes when the query changes, so open fields reload their values. */
  readonly queryKey: string | null;
};

const TYPE_ICON: Record<string, string> = { string: 't', number: '#', date: '◷', boolean: '⊤', ip: 'ip', geo_point: '⌖', conflict: '!' };

export function Sidebar({ fields, fieldsError, presentFields, columns, onToggleColumn, onFilter, loadTopValues, queryKey }: Props) {
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const list = (fields ?? []).filter((f) => f.name.toLowerCase().includes(search.toLowerCase()));
  const present = list.filter((f) => presentFields.has(f.name));
  const other = list.filter((f) => !presentFields.has(f.name));
  const render = (f: FieldInfo) => (
    <li key={f.name} class={`field-item ${open === f.name ? 'open' : ''}`} data-testid="field" data-field={f.name}>
      <div class="field-line">
        <span class="type-icon" title={`${f.type} (${f.esTypes.join(', ')})`}>{TYPE_ICON[f.type] ?? '?'}</span>
        <button type="button" class="field-button" aria-expanded={open === f.name} onClick={() => setOpen(open === f.name ? null : f.name)} data-testid="field-name">{f.name}</button>
        <button type="button" class="icon-button add-column" title={columns.includes(f.name) ? 'Remove column' : 'Add column'} aria-label={`${columns.includes(f.name) ? 'Remove' : 'Add'} column ${f.name}`} onClick={() => onToggleColumn(f.name)}>
          {columns.includes(f.name) ? '−' : '+'}
        </button>
      </div>
      {open === f.name && <FieldDetails field={f} onFilter={onFilter} loadTopValues={loadTopValues} queryKey={queryKey} />}
    </li>
  );
  return (
    <aside class="sidebar" data-testid="sidebar">
      <input class="field-search" type="search" placeholder="Search field names" aria-label="Search field names" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} />
      {fieldsError && <p class="error-text">{fieldsError}</p>}
      {fields === null && !fieldsError && <p class="muted">Loading fields…</p>}
      {present.length > 0 && <h3 class="sidebar-heading">{`Available fields (${present.length})`}</h3>}
      <ul class="field-list">{present.map(render)}</ul>
      {other.length > 0 && <h3 class="sidebar-heading">{present.length > 0 ? `Other fields (${other.length})` : `Fields (${other.length})`}</h3>}
      <ul class="field-list">{other.map(render)}</ul>
    </aside>
  );
}

function FieldDetails({ field, onFilter, loadTopValues, queryKey }: { field: FieldInfo; onFilter: (f: Filter) => void; loadTopValues: Props['loadTopValues']; queryKey: string | null }) {
  const [state, setState] = useState<{ data: TopValues | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    setState({ data: null, error: null });
    if (queryKey === null) return;
    const controller = new AbortController();
    loadTopValues(field, controller.signal).then(
      (data) => setState({ data, error: null }),
      (error: unknown) => { if (!controller.signal.aborted) setState({ data: null, error: error instanceof Error ? error.message : String(error) }); },
    );
    return () => controller.abort();
  }, [field.name, queryKey]);
  const { data, error } = state;
  return (
    <div class="field-details" data-testid="field-details">
      {error && <p class="error-text">{error}</p>}
      {!data && !error && <p class="muted">Loading top values…</p>}
      {data && data.buckets.length === 0 && <p class="muted">No values in the current results.</p>}
      {data && data.buckets.length > 0 && (
        <>
          <p class="muted">{data.sampled ? `Top values in the ${formatCount(data.total)} lines shown` : `Top 5 values in ${formatCount(data.total)} matching lines`}</p>
          <ul class="top-values">
            {data.buckets.map((b) => {
              const share = data.total > 0 ? (100 * b.count) / data.total : 0;
              return (
                <li key={b.label} class="top-value" data-testid="top-value">
                  <div class="top-value-line">
                    <span class="top-value-label" title={b.label}>{b.label}</span>
                    <span class="top-value-count">{`${share.toFixed(share < 10 ? 1 : 0)}%`}</span>
                    <button type="button" class="icon-button" title="Filter for value" aria-label={`Filter for ${field.name}: ${b.label}`} data-testid="filter-for" onClick={() => onFilter({ field: field.name, value: b.key, negate: false })}>⊕</button>
                    <button type="button" class="icon-button" title="Filter out value" aria-label={`Filter out ${field.name}: ${b.label}`} data-testid="filter-out" onClick={() => onFilter({ field: field.name, value: b.key, negate: true })}>⊖</button>
                  </div>
                  <div class="bar"><div class="bar-fill" style={{ width: `${Math.min(100, share)}%` }} /></div>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}
