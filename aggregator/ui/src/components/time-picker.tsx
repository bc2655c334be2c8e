/** Time range: quick ranges, or from/to typed as Kibana date math (`now-15m`, `now/d`) or ISO dates. */
import { useEffect, useState } from 'preact/hooks';
import { isValidDateMath, parseDateMath } from '../datemath.ts';
import { formatTime } from '../format.ts';

export const QUICK_RANGES: ReadonlyArray<{ label: string; from: string; to: string }> = [
  { label: 'Last 15 minutes', from: 'now-15m', to: 'now' },
  { label: 'Last 1 hour', from: 'now-1h', to: 'now' },
  { label: 'Last 24 hours', from: 'now-24h', to: 'now' },
  { label: 'Last 7 days', from: 'now-7d', to: 'now' },
  { label: 'Today', from: 'now/d', to: 'now/d' },
  { label: 'This week', from: 'now/w', to: 'now/w' },
  { label: 'Last 30 days', from: 'now-30d', to: 'now' },
];

type Props = { readonly from: string; readonly to: string; readonly onChange: (from: string, to: string) => void };

export function TimePicker({ from, to, onChange }: Props) {
  const [draftFrom, setDraftFrom] = useState(from);
  const [draftTo, setDraftTo] = useState(to);
  useEffect(() => { setDraftFrom(from); setDraftTo(to); }, [from, to]);
  const fromOk = isValidDateMath(draftFrom);
  const toOk = isValidDateMath(draftTo);
  const quick = QUICK_RANGES.find((q) => q.from === from && q.to === to);
  const apply = (event: Event) => {
    event.preventDefault();
    if (fromOk && toOk) onChange(draftFrom.trim(), draftTo.trim());
  };
  const resolved = (text: string, roundUp: boolean) => {
    const ms = parseDateMath(text, { roundUp });
    return ms === undefined ? 'invalid date' : formatTime(ms);
  };
  return (
    <form class="time-picker" onSubmit={apply} data-testid="time-picker">
      <label class="field">
        <span class="label">Quick</span>
        <select
          data-testid="quick-range"
          value={quick ? quick.label : ''}
          onChange={(e) => {
            const choice = QUICK_RANGES.find((q) => q.label === (e.currentTarget as HTMLSelectElement).value);
            if (choice) onChange(choice.from, choice.to);
          }}
        >
          {!quick && <option value="">Custom</option>}
          {QUICK_RANGES.map((q) => <option key={q.label} value={q.label}>{q.label}</option>)}
        </select>
      </label>
      <label class={`field ${fromOk ? '' : 'invalid'}`} title={resolved(draftFrom, false)}>
        <span class="label">From</span>
        <input data-testid="time-from" value={draftFrom} size={16} spellcheck={false} onInput={(e) => setDraftFrom((e.currentTarget as HTMLInputElement).value)} aria-invalid={!fromOk} />
      </label>
      <label class={`field ${toOk ? '' : 'invalid'}`} title={resolved(draftTo, true)}>
        <span class="label">To</span>
        <input data-testid="time-to" value={draftTo} size={16} spellcheck={false} onInput={(e) => setDraftTo((e.currentTarget as HTMLInputElement).value)} aria-invalid={!toOk} />
      </label>
      <button type="submit" class="button secondary" disabled={!fromOk || !toOk || (draftFrom === from && draftTo === to)}>Set range</button>
    </form>
  );
}
