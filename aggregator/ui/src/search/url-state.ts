/**
 * The view in the URL's hash, so a copied link reopens exactly this view and the back button works:
 * `#/?index=logs-*&time=@timestamp&from=now-15m&to=now&q=…&lang=kuery&filters=[…]&columns=a,b&live=1`.
 * Reading is defensive: anything malformed falls back to the default for that part only.
 */
import type { Filter, Language, ViewState } from './requests.ts';

export type UrlState = ViewState & { readonly live: boolean };

export const DEFAULT_STATE: UrlState = {
  index: 'logs-*',
  timeField: '@timestamp',
  from: 'now-15m',
  to: 'now',
  query: '',
  language: 'kuery',
  filters: [],
  columns: [],
  live: false,
};

export function encodeState(state: UrlState): string {
  const params = new URLSearchParams();
  params.set('index', state.index);
  params.set('time', state.timeField);
  params.set('from', state.from);
  params.set('to', state.to);
  if (state.query) params.set('q', state.query);
  params.set('lang', state.language);
  if (state.filters.length) params.set('filters', JSON.stringify(state.filters.map((f) => [f.field, f.value, f.negate ? 1 : 0])));
  if (state.columns.length) params.set('columns', JSON.stringify(state.columns));
  if (state.live) params.set('live', '1');
  return `#/?${params.toString()}`;
}

export function decodeState(hash: string): UrlState {
  const query = hash.replace(/^#\/?\??/, '');
  const params = new URLSearchParams(query);
  const text = (name: string, fallback: string): string => {
    const value = params.get(name);
    return value !== null && value.trim() !== '' ? value : fallback;
  };
  const language: Language = params.get('lang') === 'lucene' ? 'lucene' : 'kuery';
  return {
    index: text('index', DEFAULT_STATE.index),
    timeField: text('time', DEFAULT_STATE.timeField),
    from: text('from', DEFAULT_STATE.from),
    to: text('to', DEFAULT_STATE.to),
    query: params.get('q') ?? '',
    language,
    filters: parseFilters(params.get('filters')),
    columns: parseColumns(params.get('columns')),
    live: params.get('live') === '1',
  };
}

function parseFilters(text: string | null): Filter[] {
  if (!text) return [];
  try {
    const raw: unknown = JSON.parse(text);
    if (!Array.isArray(raw)) return [];
    const out: Filter[] = [];
    for (const item of raw) {
      if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
      const value: unknown = item[1];
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      out.push({ field: item[0], value, negate: item[2] === 1 });
    }
    return out;
  } catch {
    return [];
  }
}

function parseColumns(text: string | null): string[] {
  if (!text) return [];
  try {
    const raw: unknown = JSON.parse(text);
    return Array.isArray(raw) ? raw.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}
