/**
 * Matching lines over time as bars (uPlot on a canvas). Dragging across it zooms the time range.
 * The bucket counts are also kept in `data-*` attributes and a screen-reader summary, so tests and
 * assistive technology can read what the canvas shows.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Bucket, TimeBounds } from '../search/requests.ts';
import { describeInterval, type Interval } from '../search/interval.ts';
import { formatTime } from '../format.ts';

type Props = {
  readonly buckets: readonly Bucket[];
  readonly interval: Interval | null;
  readonly bounds: TimeBounds | null;
  readonly onZoom: (min: number, max: number) => void;
};

export function Histogram({ buckets, interval, bounds, onZoom }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;
  const readout = useRef<HTMLDivElement>(null);
  const step = useRef(interval);
  step.current = interval;

  useEffect(() => {
    const element = host.current!;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 120,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#69707d', grid: { show: false }, ticks: { stroke: '#d3dae6' } },
        { stroke: '#69707d', size: 48, grid: { stroke: '#eef0f4' }, ticks: { show: false }, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? v.toLocaleString('en-US') : '')) },
      ],
      series: [
        {},
        { label: 'count', fill: '#54b399', stroke: '#54b399', paths: uPlot.paths.bars!({ size: [0.9, 64], align: 1 }), points: { show: false } },
      ],
      hooks: {
        // The bucket under the pointer, written as text (never markup) into a readout above the chart.
        setCursor: [
          (u) => {
            const element = readout.current;
            if (!element) return;
            const i = u.cursor.idx;
            const x = i === null || i === undefined ? undefined : u.data[0][i];
            const y = i === null || i === undefined ? undefined : u.data[1]?.[i];
            if (x === undefined || y === undefined || y === null) { element.textContent = ''; return; }
            const end = step.current ? ` – ${formatTime(x * 1000 + step.current.ms)}` : '';
            element.textContent = `${formatTime(x * 1000)}${end}: ${y.toLocaleString('en-US')} ${y === 1 ? 'line' : 'lines'}`;
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const min = u.posToVal(u.select.left, 'x') * 1000;
            const max = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current(Math.round(min), Math.round(max));
          },
        ],
      },
    };
    plot.current = new uPlot(options, [[], []], element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: 120 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    const xs = buckets.map((b) => b.key / 1000);
    const ys = buckets.map((b) => b.count);
    u.batch(() => {
      u.setData([xs, ys], true);
      if (bounds && interval) {
        const minX = Math.min(bounds.min, buckets[0]?.key ?? bounds.min) / 1000;
        u.setScale('x', { min: minX, max: Math.max(bounds.max, (buckets.at(-1)?.key ?? 0) + interval.ms) / 1000 });
      }
    });
  }, [buckets, bounds, interval]);

  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const max = buckets.reduce((m, b) => Math.max(m, b.count), 0);
  return (
    <figure class="histogram" data-testid="histogram" data-buckets={buckets.filter((b) => b.count > 0).length} data-sum={total}>
      <div ref={readout} class="histogram-readout" aria-hidden="true" data-testid="histogram-readout" />
      <div ref={host} class="histogram-plot" aria-hidden="true" />
      <figcaption class="histogram-caption">
        {bounds ? `${formatTime(bounds.min)} – ${formatTime(bounds.max)}` : ''}
        {interval ? ` · per ${describeInterval(interval)}` : ''}
        <span class="visually-hidden">{`, ${total} lines in ${buckets.length} buckets, at most ${max} in one bucket`}</span>
        <span class="hint"> · drag across the chart to zoom</span>
      </figcaption>
    </figure>
  );
}
