/**
 * The search page: one view state (kept in the URL), and the requests that answer it.
 *
 * A search sends two requests at once, like Kibana Discover: the newest documents (shown as soon as
 * they arrive) and the count + histogram. A new search aborts whatever the previous one still had in
 * flight. Live tail then polls every second for lines newer than the newest one on screen, and holds
 * them back while the user reads (scrolled down, pointer over the table, text selected, a row open).
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, clearAuth, es, getAuth, isAbort, lucenePosition, setAuth } from './api.ts';
import { KqlSyntaxError } from './kql/parse.ts';
import { chooseInterval, type Interval } from './search/interval.ts';
import { dateFields, fieldsFromCaps, type FieldInfo } from './search/fields.ts';
import { flattenSource, formatValue } from './search/flatten.ts';
import {
  addToBuckets, buildQuery, documentsRequest, fillBuckets, hitKey, histogramBuckets, histogramRequest, hitsOf, liveRequest,
  termBuckets, termsRequest, timeBounds, totalOf,
  type Bucket, type Filter, type FilterValue, type Hit, type TimeBounds, type ViewState,
} from './search/requests.ts';
import { decodeState, encodeState, type UrlState } from './search/url-state.ts';
import type { Dsl } from './kql/to-dsl.ts';
import { formatCount, timeOf } from './format.ts';
import { TimePicker } from './components/time-picker.tsx';
import { QueryBar, type QueryError } from './components/query-bar.tsx';
import { FilterBar } from './components/filter-bar.tsx';
import { Histogram } from './components/histogram.tsx';
import { DocTable } from './components/doc-table.tsx';
import { Sidebar, type TopValues } from './components/sidebar.tsx';
import { K8sPanel, LEVELS, type LevelEntry } from './components/k8s-panel.tsx';
import { Login } from './components/login.tsx';

const PAGE_SIZE = 100;
const LIVE_SIZE = 500;
const LIVE_POLL_MS = 1000;
const MAX_ROWS = 10_000;
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

type Snapshot = { readonly id: number; readonly view: ViewState; readonly dsl: Dsl; readonly bounds: TimeBounds; readonly interval: Interval; readonly path: string };
type Stats = { readonly total: { value: number; relation: string } | null; readonly buckets: readonly Bucket[]; readonly interval: Interval | null; readonly bounds: TimeBounds | null };

const searchPath = (index: string) => `/${encodeURIComponent(index)}/_search?ignore_unavailable=true`;

export function App() {
  const [view, setViewState] = useState<UrlState>(() => decodeState(location.hash));
  const [draft, setDraft] = useState(view.query);
  const [fields, setFields] = useState<{ index: string; list: FieldInfo[]; error: string | null } | null>(null);
  const [hits, setHits] = useState<Hit[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [stats, setStats] = useState<Stats>({ total: null, buckets: [], interval: null, bounds: null });
  const [loading, setLoading] = useState({ docs: false, hist: false });
  const [error, setError] = useState<string | null>(null);
  const [queryError, setQueryError] = useState<QueryError | null>(null);
  const [login, setLogin] = useState<{ message: string | null } | null>(null);
  const [authVersion, setAuthVersion] = useState(0);
  const [runToken, setRunToken] = useState(0);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [liveStatus, setLiveStatus] = useState<{ paused: boolean; pending: number }>({ paused: false, pending: 0 });
  const [snapshotId, setSnapshotId] = useState(0);
  const [share, setShare] = useState<{ url: string; copied: boolean } | null>(null);
  const [indexSuggestions, setIndexSuggestions] = useState<string[]>([]);

  const snapshot = useRef<Snapshot | null>(null);
  const hitsRef = useRef<Hit[]>([]);
  hitsRef.current = hits;
  const expandedRef = useRef(expanded);
  expandedRef.current = expanded;
  const seen = useRef(new Set<string>());
  const pending = useRef<Hit[]>([]);
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const moreAbort = useRef<AbortController | null>(null);
  const searchAbort = useRef<AbortController | null>(null);
  const firstResultsMarked = useRef(false);
  /** The snapshot whose first page is on screen: live tail waits for it, or it would re-fetch the whole range. */
  const docsLoadedFor = useRef(0);

  /** Changes the view; `push` adds a history entry (user actions), otherwise the URL is replaced. */
  const setView = useCallback((next: UrlState | ((v: UrlState) => UrlState), push = true) => {
    setViewState((current) => {
      const value = typeof next === 'function' ? next(current) : next;
      const hash = encodeState(value);
      if (location.hash !== hash) (push ? history.pushState : history.replaceState).call(history, null, '', hash);
      return value;
    });
  }, []);

  useEffect(() => {
    history.replaceState(null, '', encodeState(view));
    const onNavigate = () => {
      const next = decodeState(location.hash);
      setViewState(next);
      setDraft(next.query);
    };
    addEventListener('popstate', onNavigate);
    addEventListener('hashchange', onNavigate);
    return () => { removeEventListener('popstate', onNavigate); removeEventListener('hashchange', onNavigate); };
  }, []);

  const failed = useCallback((err: unknown, language?: string, query?: string): void => {
    if (isAbort(err)) return;
    if (err instanceof ApiError && err.status === 401) {
      setLogin({ message: getAuth() ? 'Those credentials were not accepted.' : null });
      return;
    }
    if (err instanceof ApiError && err.status === 403) {
      setError(`Not allowed: ${err.message}. This account needs the read role on these indices.`);
      return;
    }
    if (err instanceof ApiError && err.status === 400 && language === 'lucene' && query !== undefined) {
      setQueryError({ message: err.message, position: lucenePosition(err.message), query });
      return;
    }
    setError(err instanceof ApiError ? `${err.type}: ${err.message}` : `Request failed: ${err instanceof Error ? err.message : String(err)}`);
  }, []);

  // ---- fields of the index pattern --------------------------------------------------------------
  // Asked for right away when the query needs field types; otherwise once the first lines are on
  // screen, so that opening the page puts the documents request first in line.
  const [firstDocsDone, setFirstDocsDone] = useState(false);
  const fieldsWanted = firstDocsDone || (view.language === 'kuery' && view.query.trim() !== '');
  useEffect(() => {
    if (!fieldsWanted) return;
    const controller = new AbortController();
    setFields(null);
    es('GET', `/${encodeURIComponent(view.index)}/_field_caps?fields=*&ignore_unavailable=true&allow_no_indices=true`, undefined, controller.signal).then(
      (response) => setFields({ index: view.index, list: fieldsFromCaps(response), error: null }),
      (err: unknown) => {
        if (isAbort(err)) return;
        if (err instanceof ApiError && err.status === 401) { failed(err); return; }
        setFields({ index: view.index, list: [], error: err instanceof ApiError && err.status === 404 ? `No indices match ${view.index}.` : `Could not list fields: ${err instanceof Error ? err.message : String(err)}` });
      },
    );
    return () => controller.abort();
  }, [view.index, authVersion, fieldsWanted]);

  const [suggestionsWanted, setSuggestionsWanted] = useState(false);
  useEffect(() => {
    if (!suggestionsWanted) return;
    const controller = new AbortController();
    es('GET', '/_resolve/index/*?expand_wildcards=open', undefined, controller.signal).then((response) => {
      const r = response as { indices?: Array<{ name: string; data_stream?: string }>; data_streams?: Array<{ name: string }>; aliases?: Array<{ name: string }> };
      const names = new Set<string>(['logs-*']);
      for (const ds of r.data_streams ?? []) { names.add(ds.name); names.add(`${ds.name.split('-').slice(0, 2).join('-')}-*`); }
      for (const index of r.indices ?? []) if (!index.data_stream && !index.name.startsWith('.')) names.add(index.name);
      setIndexSuggestions([...names].sort());
    }, () => undefined);
    return () => controller.abort();
  }, [authVersion, suggestionsWanted]);

  const fieldList = fields && fields.index === view.index ? fields.list : null;
  const fieldsReady = fields !== null && fields.index === view.index;
  const filtersKey = JSON.stringify(view.filters);

  /** The name to aggregate on: the field itself, or its `.keyword` sub-field when the field is text. */
  const aggregatable = useCallback((name: string): string | null => {
    const list = fieldList ?? [];
    const field = list.find((f) => f.name === name);
    if (field?.aggregatable) return name;
    const keyword = list.find((f) => f.name === `${name}.keyword` && f.aggregatable);
    if (keyword) return keyword.name;
    return field ? null : name; // unknown to _field_caps: try as typed
  }, [fieldList]);

  // ---- the search ---------------------------------------------------------------------------------
  // KQL needs the field types (keyword → term, date → range); an empty query or Lucene does not, so the
  // first search on opening the page does not wait for `_field_caps`.
  const needsFields = view.language === 'kuery' && view.query.trim() !== '';
  const fieldsGate = needsFields ? (fieldsReady ? 'ready' : 'waiting') : 'not-needed';
  // A layout effect: the request leaves as soon as the page is in the DOM, not after the first paint.
  useLayoutEffect(() => {
    if (fieldsGate === 'waiting') return;
    searchAbort.current?.abort();
    moreAbort.current?.abort();
    const controller = new AbortController();
    searchAbort.current = controller;
    let bounds: TimeBounds;
    let dsl: Dsl;
    try {
      bounds = timeBounds(view, Date.now());
      dsl = buildQuery(view, bounds, { fields: fieldList ?? [], timeZone: TIME_ZONE });
    } catch (err) {
      if (err instanceof KqlSyntaxError) setQueryError({ message: err.message, position: err.position, query: view.query });
      else setError(err instanceof Error ? err.message : String(err));
      setLoading({ docs: false, hist: false });
      return;
    }
    setQueryError(null);
    setError(null);
    const interval = chooseInterval(bounds.max - bounds.min);
    const path = searchPath(view.index);
    const id = (snapshot.current?.id ?? 0) + 1;
    snapshot.current = { id, view, dsl, bounds, interval, path };
    setSnapshotId(id);
    setLoading({ docs: true, hist: true });
    setExpanded(new Set());
    pending.current = [];
    setLiveStatus({ paused: false, pending: 0 });
    const { language, query } = view;

    // The newest lines first, then the count and histogram: on a store that shares a few cores, asking
    // for both at once would slow the first rows down for a count that comes no sooner.
    const histogram = () => es('POST', path, histogramRequest(dsl, view.timeField, interval, TIME_ZONE), controller.signal).then(
      (response) => {
        setStats({ total: totalOf(response), buckets: fillBuckets(histogramBuckets(response), bounds, interval), interval, bounds });
        setLoading((l) => ({ ...l, hist: false }));
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setStats({ total: null, buckets: [], interval, bounds });
        setLoading((l) => ({ ...l, hist: false }));
        failed(err, language, query);
      },
    );
    es('POST', path, documentsRequest(dsl, view.timeField, PAGE_SIZE), controller.signal).then(
      (response) => {
        if (!firstResultsMarked.current) performance.mark('logship:first-response');
        const page = hitsOf(response);
        seen.current = new Set(page.map(hitKey));
        docsLoadedFor.current = id;
        setHits(page);
        setHasMore(page.length === PAGE_SIZE);
        setFresh(new Set());
        scrollRef.current?.scrollTo({ top: 0 });
        setLoading((l) => ({ ...l, docs: false }));
        setFirstDocsDone(true);
        void histogram();
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setHits([]);
        setHasMore(false);
        setLoading({ docs: false, hist: false });
        setStats({ total: null, buckets: [], interval, bounds });
        setFirstDocsDone(true);
        failed(err, language, query);
      },
    );
    return () => controller.abort();
  }, [fieldsGate, view.index, view.timeField, view.from, view.to, view.query, view.language, filtersKey, runToken, authVersion]);

  useEffect(() => {
    if (!firstResultsMarked.current && !loading.docs && snapshotId > 0) {
      firstResultsMarked.current = true;
      performance.mark('logship:first-results');
    }
  }, [loading.docs, snapshotId]);

  const cancel = useCallback(() => {
    searchAbort.current?.abort();
    moreAbort.current?.abort();
    setLoading({ docs: false, hist: false });
  }, []);

  // ---- older lines (search_after) ---------------------------------------------------------------
  const loadingMoreRef = useRef(false);
  const loadMore = useCallback(() => {
    const snap = snapshot.current;
    const last = hitsRef.current.at(-1);
    if (!snap || !last?.sort || loadingMoreRef.current || hitsRef.current.length >= MAX_ROWS) return;
    loadingMoreRef.current = true;
    setLoadingMore(true);
    const controller = new AbortController();
    moreAbort.current = controller;
    es('POST', snap.path, documentsRequest(snap.dsl, snap.view.timeField, PAGE_SIZE, last.sort), controller.signal).then(
      (response) => {
        if (snapshot.current?.id !== snap.id) return;
        const page = hitsOf(response).filter((h) => !seen.current.has(hitKey(h)));
        for (const h of page) seen.current.add(hitKey(h));
        setHits((current) => [...current, ...page]);
        setHasMore(hitsOf(response).length === PAGE_SIZE && hitsRef.current.length + page.length < MAX_ROWS);
      },
      (err: unknown) => failed(err),
    ).finally(() => {
      loadingMoreRef.current = false;
      setLoadingMore(false);
    });
  }, [failed]);

  // ---- live tail ----------------------------------------------------------------------------------
  const isReading = useCallback((): boolean => {
    const el = scrollRef.current;
    if (!el) return false;
    if (el.scrollTop > 4) return true;
    if (el.matches(':hover')) return true;
    if (expandedRef.current.size > 0) return true;
    const selection = document.getSelection();
    return !!selection && !selection.isCollapsed && selection.toString().trim() !== '' && el.contains(selection.anchorNode);
  }, []);

  const flushPending = useCallback(() => {
    const reading = isReading();
    if (!reading && pending.current.length > 0) {
      const lines = pending.current;
      pending.current = [];
      setHits((current) => [...lines, ...current].slice(0, MAX_ROWS));
      setFresh(new Set(lines.map(hitKey)));
    }
    setLiveStatus({ paused: reading, pending: pending.current.length });
  }, [isReading]);

  useEffect(() => {
    if (!view.live) return;
    const controller = new AbortController();
    let inFlight = false;
    let ticks = 0;
    const poll = async () => {
      const snap = snapshot.current;
      if (inFlight || !snap || docsLoadedFor.current !== snap.id) { flushPending(); return; }
      inFlight = true;
      ticks++;
      try {
        const bounds = timeBounds(snap.view, Date.now());
        // Lines are newest first: the newest shown is the head of the held-back lines, or of the table.
        const head = pending.current[0] ?? hitsRef.current[0];
        const newest = head ? timeOf(head.sort?.[0], flattenSource(head._source ?? {})[snap.view.timeField]) : null;
        const since = { min: Math.max(bounds.min, newest ?? bounds.min), max: bounds.max };
        const dsl = buildQuery(snap.view, since, { fields: fieldList ?? [], timeZone: TIME_ZONE });
        const response = await es('POST', snap.path, liveRequest(dsl, snap.view.timeField, LIVE_SIZE), controller.signal);
        if (snapshot.current?.id !== snap.id) return;
        const all = hitsOf(response);
        const total = totalOf(response);
        if (total && total.value > all.length) { setRunToken((t) => t + 1); return; } // a burst: reload the view
        const lines = all.filter((h) => !seen.current.has(hitKey(h)));
        for (const h of lines) seen.current.add(hitKey(h));
        if (lines.length > 0) {
          pending.current = [...lines, ...pending.current];
          setStats((s) => {
            if (!s.interval) return s;
            let buckets = s.buckets;
            for (const h of lines) {
              const t = timeOf(h.sort?.[0], flattenSource(h._source ?? {})[snap.view.timeField]);
              if (t !== null) buckets = addToBuckets(buckets, t, s.interval);
            }
            const value = (s.total?.value ?? 0) + lines.length;
            return { ...s, buckets, total: { value, relation: s.total?.relation ?? 'eq' }, bounds };
          });
        } else if (ticks % 5 === 0) {
          setStats((s) => ({ ...s, bounds }));
        }
        flushPending();
      } catch (err) {
        if (!isAbort(err)) failed(err);
      } finally {
        inFlight = false;
      }
    };
    const timer = setInterval(() => { void poll(); }, LIVE_POLL_MS);
    void poll();
    return () => { clearInterval(timer); controller.abort(); };
  }, [view.live, snapshotId, fieldList, flushPending, failed]);

  // ---- actions ------------------------------------------------------------------------------------
  const submit = () => {
    if (draft === view.query) setRunToken((t) => t + 1);
    else setView((v) => ({ ...v, query: draft }));
  };
  const addFilter = useCallback((filter: Filter) => {
    setView((v) => {
      const others = v.filters.filter((f) => !(f.field === filter.field && f.value === filter.value));
      return { ...v, filters: [...others, filter] };
    });
  }, [setView]);
  const toggleColumn = useCallback((field: string) => {
    setView((v) => ({ ...v, columns: v.columns.includes(field) ? v.columns.filter((c) => c !== field) : [...v.columns, field] }));
  }, [setView]);
  const toggleRow = useCallback((key: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key); else next.add(key);
      return next;
    });
  }, []);
  const zoom = useCallback((min: number, max: number) => {
    if (max - min < 1) return;
    setView((v) => ({ ...v, from: new Date(min).toISOString(), to: new Date(max).toISOString(), live: false }));
  }, [setView]);
  const toggleLive = () => {
    setView((v) => (v.live ? { ...v, live: false } : { ...v, live: true, to: v.to.startsWith('now') ? v.to : 'now' }));
  };
  const copyLink = async () => {
    const snap = snapshot.current;
    const pinned: UrlState = snap
      ? { ...view, live: false, from: new Date(snap.bounds.min).toISOString(), to: new Date(snap.bounds.max).toISOString() }
      : view;
    const url = `${location.origin}${location.pathname}${encodeState(pinned)}`;
    const copied = await navigator.clipboard.writeText(url).then(() => true, () => false);
    setShare({ url, copied });
  };

  const loadTopValues = useCallback(async (field: FieldInfo, signal: AbortSignal): Promise<TopValues> => {
    const snap = snapshot.current;
    const aggField = aggregatable(field.name);
    if (!snap || aggField === null) {
      const counts = new Map<string, { key: FilterValue; count: number }>();
      for (const h of hitsRef.current) {
        const value = flattenSource(h._source ?? {})[field.name];
        if (value === undefined) continue;
        const key: FilterValue = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : formatValue(value);
        const label = formatValue(value);
        counts.set(label, { key, count: (counts.get(label)?.count ?? 0) + 1 });
      }
      const buckets = [...counts.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 5).map(([label, v]) => ({ key: v.key, label, count: v.count }));
      return { field: field.name, total: hitsRef.current.length, buckets, sampled: true };
    }
    const response = await es('POST', snap.path, termsRequest(snap.dsl, [aggField], 5), signal);
    return { field: field.name, total: totalOf(response)?.value ?? 0, buckets: termBuckets(response, '0'), sampled: false };
  }, [aggregatable]);

  const loadLevel = useCallback(async (levelFields: readonly string[], signal: AbortSignal): Promise<LevelEntry[]> => {
    const snap = snapshot.current;
    if (!snap) return [];
    const names = levelFields.map((f) => aggregatable(f) ?? f);
    const response = await es('POST', snap.path, termsRequest(snap.dsl, names, 25), signal);
    const entries: LevelEntry[] = [];
    levelFields.forEach((field, i) => {
      for (const b of termBuckets(response, String(i))) entries.push({ field, key: b.key, label: b.label, count: b.count });
    });
    return entries.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }, [aggregatable]);

  const k8sUp = useCallback((levelIndex: number) => {
    const drop = new Set(LEVELS.slice(levelIndex).flatMap((l) => l.fields));
    setView((v) => ({ ...v, filters: v.filters.filter((f) => f.negate || !drop.has(f.field)) }));
  }, [setView]);

  const presentFields = useMemo(() => {
    const names = new Set<string>();
    for (const h of hits.slice(0, 200)) for (const k of Object.keys(flattenSource(h._source ?? {}))) names.add(k);
    return names;
  }, [hits]);

  const timeFieldChoices = useMemo(() => {
    const list = fieldList ? dateFields(fieldList) : [];
    return list.includes(view.timeField) ? list : [view.timeField, ...list];
  }, [fieldList, view.timeField]);

  const busy = loading.docs || loading.hist;
  const hasK8s = (fieldList ?? []).some((f) => f.name === 'kubernetes.namespace');
  /** Side panels (top values, drill-down) ask their questions once the main results are in. */
  const queryKey = busy ? null : String(snapshotId);

  return (
    <div class="app">
      <div class={`progress ${busy ? 'active' : ''}`} role="progressbar" aria-label="Loading" aria-busy={busy} data-testid="progress" data-busy={busy ? '1' : '0'} />
      <header class="top">
        <h1 class="brand">logship</h1>
        <IndexPicker
          index={view.index}
          timeField={view.timeField}
          suggestions={indexSuggestions}
          onWantSuggestions={() => setSuggestionsWanted(true)}
          timeFields={timeFieldChoices}
          onChange={(index, timeField) => setView((v) => ({ ...v, index, timeField, filters: index === v.index ? v.filters : [] }))}
        />
        <TimePicker from={view.from} to={view.to} onChange={(from, to) => setView((v) => ({ ...v, from, to }))} />
        <button type="button" class={`button ${view.live ? 'live-on' : 'secondary'}`} aria-pressed={view.live} data-testid="live-toggle" onClick={toggleLive}>
          {view.live ? '■ Stop live' : '▶ Live tail'}
        </button>
        <button type="button" class="button secondary" data-testid="copy-link" onClick={() => { void copyLink(); }}>Copy link</button>
        {getAuth() && <button type="button" class="link-button" onClick={() => { clearAuth(); setLogin({ message: null }); }}>Sign out</button>}
      </header>
      {share && (
        <div class="share" data-testid="share">
          <span>{share.copied ? 'Link copied. It reopens this exact view and time range:' : 'Copy this link to reopen this exact view and time range:'}</span>
          <input readOnly value={share.url} data-testid="share-url" onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
          <button type="button" class="icon-button" aria-label="Close" onClick={() => setShare(null)}>×</button>
        </div>
      )}
      <QueryBar
        draft={draft}
        language={view.language}
        error={queryError}
        busy={busy}
        onDraft={setDraft}
        onLanguage={(language) => setView((v) => ({ ...v, language }))}
        onSubmit={submit}
        onCancel={cancel}
      />
      <FilterBar
        filters={view.filters}
        onRemove={(i) => setView((v) => ({ ...v, filters: v.filters.filter((_, j) => j !== i) }))}
        onInvert={(i) => setView((v) => ({ ...v, filters: v.filters.map((f, j) => (j === i ? { ...f, negate: !f.negate } : f)) }))}
        onClear={() => setView((v) => ({ ...v, filters: [] }))}
      />
      {error && <div class="error-banner" role="alert" data-testid="error">{error}</div>}
      <main class="layout">
        <div class="side">
          {hasK8s && <K8sPanel filters={view.filters} queryKey={queryKey} load={loadLevel} onPick={addFilter} onUp={k8sUp} />}
          <Sidebar
            fields={fieldList}
            fieldsError={fields?.error ?? null}
            presentFields={presentFields}
            columns={view.columns}
            onToggleColumn={toggleColumn}
            onFilter={addFilter}
            loadTopValues={loadTopValues}
            queryKey={queryKey}
          />
        </div>
        <section class="results" aria-label="Results">
          <div class="results-header">
            <span class="hit-count" data-testid="hit-count" data-count={stats.total?.value ?? ''} aria-live="polite">
              {stats.total ? `${formatCount(stats.total.value)}${stats.total.relation === 'gte' ? '+' : ''} ${stats.total.value === 1 ? 'hit' : 'hits'}` : loading.hist ? 'Counting…' : ''}
            </span>
            {view.live && (
              <span class={`live-status ${liveStatus.paused ? 'paused' : ''}`} data-testid="live-status" data-paused={liveStatus.paused ? '1' : '0'}>
                {liveStatus.paused
                  ? `Live tail paused while you read${liveStatus.pending ? ` · ${liveStatus.pending} new ${liveStatus.pending === 1 ? 'line' : 'lines'}` : ''}`
                  : 'Live: new lines appear at the top'}
              </span>
            )}
          </div>
          <Histogram buckets={stats.buckets} interval={stats.interval} bounds={stats.bounds} onZoom={zoom} />
          {!loading.docs && hits.length === 0 && !error && !queryError && <p class="empty" data-testid="empty">No lines match this query in this time range.</p>}
          <DocTable
            hits={hits}
            timeField={view.timeField}
            columns={view.columns}
            expanded={expanded}
            fresh={fresh}
            hasMore={hasMore}
            loadingMore={loadingMore}
            onToggle={toggleRow}
            onLoadMore={loadMore}
            onFilter={addFilter}
            onToggleColumn={toggleColumn}
            scrollRef={scrollRef}
            onReadingChange={() => { if (view.live) setTimeout(flushPending, 0); }}
          />
        </section>
      </main>
      {login && (
        <Login
          message={login.message}
          onSubmit={(user, password) => {
            setAuth(user, password);
            setLogin(null);
            setAuthVersion((v) => v + 1);
          }}
        />
      )}
    </div>
  );
}

type IndexPickerProps = {
  readonly index: string;
  readonly timeField: string;
  readonly suggestions: readonly string[];
  readonly onWantSuggestions: () => void;
  readonly timeFields: readonly string[];
  readonly onChange: (index: string, timeField: string) => void;
};

function IndexPicker({ index, timeField, suggestions, onWantSuggestions, timeFields, onChange }: IndexPickerProps) {
  const [draft, setDraft] = useState(index);
  useEffect(() => setDraft(index), [index]);
  return (
    <form class="index-picker" onSubmit={(e) => { e.preventDefault(); if (draft.trim()) onChange(draft.trim(), timeField); }}>
      <label class="field">
        <span class="label">Index pattern</span>
        <input data-testid="index-pattern" list="index-suggestions" value={draft} size={14} spellcheck={false} onFocus={onWantSuggestions} onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)} onBlur={() => { if (draft.trim() && draft.trim() !== index) onChange(draft.trim(), timeField); }} />
        <datalist id="index-suggestions">{suggestions.map((s) => <option key={s} value={s} />)}</datalist>
      </label>
      <label class="field">
        <span class="label">Time field</span>
        <select data-testid="time-field" value={timeField} onChange={(e) => onChange(index, (e.currentTarget as HTMLSelectElement).value)}>
          {timeFields.map((f) => <option key={f} value={f}>{f}</option>)}
        </select>
      </label>
    </form>
  );
}
