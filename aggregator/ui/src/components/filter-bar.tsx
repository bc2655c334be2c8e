/** The filter pills: each one narrows (or, negated, excludes) `field: value`; × removes it. */
import type { Filter } from '../search/requests.ts';

type Props = {
  readonly filters: readonly Filter[];
  readonly onRemove: (index: number) => void;
  readonly onInvert: (index: number) => void;
  readonly onClear: () => void;
};

export function FilterBar({ filters, onRemove, onInvert, onClear }: Props) {
  if (filters.length === 0) return null;
  return (
    <ul class="filter-bar" data-testid="filters" aria-label="Filters">
      {filters.map((f, i) => (
        <li key={`${f.field}=${String(f.value)}:${f.negate}`} class={`pill ${f.negate ? 'negated' : ''}`} data-testid="filter-pill">
          <button type="button" class="pill-label" title={f.negate ? 'Include results instead' : 'Exclude results instead'} onClick={() => onInvert(i)}>
            {f.negate ? 'NOT ' : ''}
            <span class="pill-field">{f.field}</span>
            {': '}
            <span class="pill-value">{String(f.value)}</span>
          </button>
          <button type="button" class="pill-remove" aria-label={`Remove filter ${f.field}`} data-testid="filter-remove" onClick={() => onRemove(i)}>×</button>
        </li>
      ))}
      {filters.length > 1 && <li><button type="button" class="link-button" onClick={onClear}>Remove all</button></li>}
    </ul>
  );
}
