/**
 * Which followed files the stat poll looks at on each of its ticks: per-file backoff, as Filebeat's
 * `backoff` / `max_backoff`. A file whose last polls found nothing new is polled half as often after each
 * such poll, up to every `maxTicks` ticks; anything that touches it (a filesystem event, a read, a scan,
 * a poll that saw it change) brings it back to every tick at once.
 *
 * Why: with 500 quiet files an fstat of each every second was most of the collector's idle CPU, while
 * directory watches already wake a written file within milliseconds. Without events (NFS, some overlay
 * setups) a write to a long-quiet file is noticed within `maxTicks` ticks instead of one.
 *
 * Files are kept in one set per level and a level's period is a power of two (capped at `maxTicks`)
 * counted on a global tick number, so a tick touches only the files due then: with every file backed
 * off, nine ticks in ten look at no file at all. A file moved to a longer period is next polled at the
 * next tick that is a multiple of it, so the gap between two polls of a file never exceeds its period.
 */
export class PollSchedule<T> {
  readonly #levels: Array<Set<T>>;
  readonly #periods: number[];
  readonly #levelOf = new Map<T, number>();

  /** `maxTicks` ≥ 1: the longest period, in ticks (1: every file every tick, no backoff). */
  constructor(maxTicks: number) {
    const longest = Math.max(1, Math.floor(maxTicks));
    this.#periods = [];
    for (let period = 1; period < longest; period *= 2) this.#periods.push(period);
    this.#periods.push(longest);
    this.#levels = this.#periods.map(() => new Set<T>());
  }

  /** Polled every tick from now on (a new file, or one that was touched). */
  touch(item: T): void {
    const level = this.#levelOf.get(item);
    if (level === 0) return;
    if (level !== undefined) this.#levels[level]!.delete(item);
    this.#levels[0]!.add(item);
    this.#levelOf.set(item, 0);
  }

  /** A poll found nothing new: polled half as often from now on, down to every `maxTicks` ticks. */
  quiet(item: T): void {
    const level = this.#levelOf.get(item);
    if (level === undefined || level === this.#levels.length - 1) return;
    this.#levels[level]!.delete(item);
    this.#levels[level + 1]!.add(item);
    this.#levelOf.set(item, level + 1);
  }

  remove(item: T): void {
    const level = this.#levelOf.get(item);
    if (level === undefined) return;
    this.#levels[level]!.delete(item);
    this.#levelOf.delete(item);
  }

  /** The files to poll on tick number `tick` (a snapshot: the caller may touch, quiet or remove them). */
  due(tick: number): T[] {
    const out: T[] = [];
    for (let level = 0; level < this.#levels.length; level++) {
      if (tick % this.#periods[level]! !== 0) continue;
      for (const item of this.#levels[level]!) out.push(item);
    }
    return out;
  }

  /** Ticks between two polls of `item` at most, as things stand (undefined: not scheduled). */
  periodOf(item: T): number | undefined {
    const level = this.#levelOf.get(item);
    return level === undefined ? undefined : this.#periods[level];
  }
}
