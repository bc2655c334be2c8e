/** The query input, KQL or Lucene, with its syntax error shown under the character where it is. */
import { useEffect, useRef } from 'preact/hooks';
import type { Language } from '../search/requests.ts';

export type QueryError = { readonly message: string; readonly position: number | null; readonly query: string };

type Props = {
  readonly draft: string;
  readonly language: Language;
  readonly error: QueryError | null;
  readonly busy: boolean;
  readonly onDraft: (text: string) => void;
  readonly onLanguage: (language: Language) => void;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
};

export function QueryBar({ draft, language, error, busy, onDraft, onLanguage, onSubmit, onCancel }: Props) {
  const input = useRef<HTMLInputElement>(null);
  // "/" focuses the query, as in Kibana, unless the user is already typing somewhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      event.preventDefault();
      input.current?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class="query-bar">
      <form
        class="query-form"
        onSubmit={(e) => { e.preventDefault(); onSubmit(); }}
      >
        <select
          class="language"
          data-testid="query-language"
          aria-label="Query language"
          value={language}
          onChange={(e) => onLanguage((e.currentTarget as HTMLSelectElement).value === 'lucene' ? 'lucene' : 'kuery')}
        >
          <option value="kuery">KQL</option>
          <option value="lucene">Lucene</option>
        </select>
        <input
          ref={input}
          class={`query-input ${error ? 'invalid' : ''}`}
          data-testid="query-input"
          aria-label="Search query"
          aria-invalid={error !== null}
          placeholder={language === 'kuery' ? 'Filter your data using KQL syntax, e.g. http.response.status_code >= 500 and not url.path : /health*' : 'Lucene syntax, e.g. status:[500 TO 599] AND -path:health'}
          value={draft}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => onDraft((e.currentTarget as HTMLInputElement).value)}
        />
        {busy
          ? <button type="button" class="button secondary" data-testid="cancel" onClick={onCancel}>Cancel</button>
          : null}
        <button type="submit" class="button primary" data-testid="search">{busy ? 'Searching…' : 'Search'}</button>
      </form>
      {error && <SyntaxError error={error} />}
    </div>
  );
}

function SyntaxError({ error }: { error: QueryError }) {
  const { query, position } = error;
  return (
    <div class="query-error" role="alert" data-testid="query-error" data-position={position ?? ''}>
      <div class="query-error-message">{error.message}</div>
      {position !== null && (
        <pre class="query-error-where">
          {query.slice(0, position)}
          <mark class="query-error-at">{query.slice(position, position + 1) || ' '}</mark>
          {query.slice(position + 1)}
          {'\n'}
          {' '.repeat(position)}^
        </pre>
      )}
    </div>
  );
}
