/**
 * The newest matching lines, one row each, with selectable columns; a row expands into every field as a
 * table and as JSON. All log text is rendered as text nodes: never markup, whatever the line contains.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Filter, FilterValue, Hit } from '../search/requests.ts';
import { hitKey } from '../search/requests.ts';
import { flattenSource, formatValue } from '../search/flatten.ts';
import { formatTime, timeOf } from '../format.ts';

type Props = {
  readonly hits: readonly Hit[];
  readonly timeField: string;
  readonly columns: readonly string[];
  readonly expanded: ReadonlySet<string>;
  readonly fresh: ReadonlySet<string>;
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly onToggle: (key: string) => void;
  readonly onLoadMore: () => void;
  readonly onFilter: (filter: Filter) => void;
  readonly onToggleColumn: (field: string) => void;
  readonly scrollRef: { current: HTMLDivElement | null };
  readonly onReadingChange: () => void;
};

const SUMMARY_SKIP = new Set(['message', 'event.original']);

export function DocTable(props: Props) {
  const { hits, timeField, columns, expanded, hasMore, loadingMore, onLoadMore } = props;
  const sentinel = useRef<HTMLDivElement>(null);
  // The rows only change with what they show: the page re-renders every second in live tail and on
  // every answer, and the same row elements let Preact skip the whole table.
  const { fresh, onToggle, onFilter, onToggleColumn } = props;
  const rows = useMemo(() => hits.map((hit) => {
    const key = hitKey(hit);
    return <Row key={key} rowKey={key} hit={hit} timeField={timeField} columns={columns} open={expanded.has(key)} isFresh={fresh.has(key)} onToggle={onToggle} onFilter={onFilter} onToggleColumn={onToggleColumn} />;
  }), [hits, timeField, columns, expanded, fresh, onToggle, onFilter, onToggleColumn]);
  useEffect(() => {
    const root = props.scrollRef.current;
    const target = sentinel.current;
    if (!root || !target || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onLoadMore();
    }, { root, rootMargin: '400px' });
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasMore, onLoadMore, hits.length]);

  return (
    <div
      class="doc-scroll"
      ref={props.scrollRef}
      data-testid="doc-scroll"
      onScroll={props.onReadingChange}
      onMouseEnter={props.onReadingChange}
      onMouseLeave={props.onReadingChange}
    >
      <table class="doc-table" data-testid="doc-table">
        <thead>
          <tr>
            <th class="col-toggle" aria-label="Expand" />
            <th class="col-time">{timeField}</th>
            {columns.length === 0
              ? <th>Document</th>
              : columns.map((c) => (
                <th key={c}>
                  {c}
                  <button type="button" class="icon-button" title={`Remove column ${c}`} aria-label={`Remove column ${c}`} onClick={() => props.onToggleColumn(c)}>×</button>
                </th>
              ))}
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
      <div ref={sentinel} class="doc-footer" data-testid="doc-footer">
        {hasMore
          ? <button type="button" class="button secondary" disabled={loadingMore} onClick={onLoadMore} data-testid="load-more">{loadingMore ? 'Loading older lines…' : 'Load older lines'}</button>
          : hits.length > 0 ? <span class="muted">No older lines in this time range.</span> : null}
      </div>
    </div>
  );
}

type RowProps = Pick<Props, 'timeField' | 'columns' | 'onToggle' | 'onFilter' | 'onToggleColumn'> & { readonly rowKey: string; readonly hit: Hit; readonly open: boolean; readonly isFresh: boolean };

function Row({ rowKey, hit, timeField, columns, open, isFresh, onToggle, onFilter, onToggleColumn }: RowProps) {
  const flat = flattenSource(hit._source ?? {});
  const time = timeOf(hit.sort?.[0], flat[timeField]);
  const span = columns.length === 0 ? 1 : columns.length;
  return (
    <>
      <tr class={`doc-row ${open ? 'open' : ''} ${isFresh ? 'fresh' : ''}`} data-testid="doc-row">
        <td class="col-toggle">
          <button type="button" class="icon-button" aria-expanded={open} aria-label={open ? 'Collapse document' : 'Expand document'} data-testid="expand" onClick={() => onToggle(rowKey)}>
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td class="col-time">{time === null ? '' : formatTime(time)}</td>
        {columns.length === 0
          ? <td class="col-summary"><Summary flat={flat} timeField={timeField} /></td>
          : columns.map((c) => <td key={c} class="col-value">{formatValue(flat[c])}</td>)}
      </tr>
      {open && (
        <tr class="doc-detail-row">
          <td colSpan={span + 2}>
            <DocDetail hit={hit} flat={flat} columns={columns} onFilter={onFilter} onToggleColumn={onToggleColumn} />
          </td>
        </tr>
      )}
    </>
  );
}

function Summary({ flat, timeField }: { flat: Record<string, unknown>; timeField: string }) {
  const message = flat.message;
  const rest = Object.keys(flat).filter((k) => k !== timeField && !SUMMARY_SKIP.has(k)).sort().slice(0, 12);
  return (
    <div class="summary">
      {message !== undefined && <span class="summary-message" data-testid="doc-message">{formatValue(message)}</span>}
      {rest.map((k) => (
        <span key={k} class="summary-pair">
          <span class="summary-key">{k}</span>
          <span class="summary-value">{formatValue(flat[k])}</span>
        </span>
      ))}
    </div>
  );
}

type DetailProps = {
  readonly hit: Hit;
  readonly flat: Record<string, unknown>;
  readonly columns: readonly string[];
  readonly onFilter: (filter: Filter) => void;
  readonly onToggleColumn: (field: string) => void;
};

function DocDetail({ hit, flat, columns, onFilter, onToggleColumn }: DetailProps) {
  const [tab, setTab] = useState<'table' | 'json'>('table');
  const names = Object.keys(flat).sort();
  return (
    <div class="doc-detail" data-testid="doc-detail">
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'table'} class={tab === 'table' ? 'tab active' : 'tab'} onClick={() => setTab('table')} data-testid="tab-table">Table</button>
        <button type="button" role="tab" aria-selected={tab === 'json'} class={tab === 'json' ? 'tab active' : 'tab'} onClick={() => setTab('json')} data-testid="tab-json">JSON</button>
        <span class="muted doc-id">{`${hit._index} / ${hit._id}`}</span>
      </div>
      {tab === 'table'
        ? (
          <table class="field-table" data-testid="doc-fields">
            <tbody>
              {names.map((name) => {
                const value = flat[name];
                const filterable = isFilterable(value);
                return (
                  <tr key={name}>
                    <td class="actions">
                      <button type="button" class="icon-button" disabled={!filterable} title="Filter for value" aria-label={`Filter for ${name}`} onClick={() => filterable && onFilter({ field: name, value: value as FilterValue, negate: false })}>⊕</button>
                      <button type="button" class="icon-button" disabled={!filterable} title="Filter out value" aria-label={`Filter out ${name}`} onClick={() => filterable && onFilter({ field: name, value: value as FilterValue, negate: true })}>⊖</button>
                      <button type="button" class="icon-button" title={columns.includes(name) ? 'Remove column' : 'Add column'} aria-label={`Toggle column ${name}`} onClick={() => onToggleColumn(name)}>▥</button>
                    </td>
                    <th scope="row" class="field-name">{name}</th>
                    <td class="field-value">{formatValue(value)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )
        : <pre class="json" data-testid="doc-json">{JSON.stringify({ _index: hit._index, _id: hit._id, _source: hit._source }, null, 2)}</pre>}
    </div>
  );
}

function isFilterable(value: unknown): value is FilterValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
