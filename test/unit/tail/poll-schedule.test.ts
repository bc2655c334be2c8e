import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PollSchedule } from '../../../shipper/tail/poll-schedule.ts';

/** The ticks on which `item` is polled from `from` to `to` (exclusive), calling `quiet` after each poll. */
function quietPolls(schedule: PollSchedule<string>, item: string, from: number, to: number): number[] {
  const polled: number[] = [];
  for (let tick = from; tick < to; tick++) {
    if (!schedule.due(tick).includes(item)) continue;
    polled.push(tick);
    schedule.quiet(item);
  }
  return polled;
}

describe('the poll schedule (per-file backoff)', () => {
  it('polls a quiet file half as often after each poll, up to the longest period', () => {
    const schedule = new PollSchedule<string>(10);
    schedule.touch('a');
    const polled = quietPolls(schedule, 'a', 0, 80);
    const gaps = polled.slice(1).map((tick, index) => tick - polled[index]!);
    expect(polled.slice(0, 6)).toEqual([0, 2, 4, 8, 10, 20]);
    expect(gaps.every((gap) => gap <= 10)).toBe(true);
    expect(gaps.slice(-4)).toEqual([10, 10, 10, 10]);
    expect(schedule.periodOf('a')).toBe(10);
  });

  it('brings a touched file back to every tick at once', () => {
    const schedule = new PollSchedule<string>(10);
    schedule.touch('a');
    quietPolls(schedule, 'a', 0, 40);
    expect(schedule.due(41)).toEqual([]);
    schedule.touch('a');
    expect(schedule.due(41)).toEqual(['a']);
    expect(schedule.periodOf('a')).toBe(1);
  });

  it('with a longest period of one tick, polls every file on every tick (no backoff)', () => {
    const schedule = new PollSchedule<string>(1);
    schedule.touch('a');
    expect(quietPolls(schedule, 'a', 0, 20)).toHaveLength(20);
  });

  it('forgets a removed file', () => {
    const schedule = new PollSchedule<string>(4);
    schedule.touch('a');
    schedule.remove('a');
    schedule.quiet('a');
    expect(schedule.due(0)).toEqual([]);
    expect(schedule.periodOf('a')).toBeUndefined();
  });

  it('never leaves a file unpolled longer than the longest period, whatever touches and quiet polls happen', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.record({ tick: fc.integer({ min: 0, max: 400 }), item: fc.constantFrom('a', 'b', 'c'), touch: fc.boolean() }), { maxLength: 60 }),
      (maxTicks, touches) => {
        const schedule = new PollSchedule<string>(maxTicks);
        const lastPolled = new Map<string, number>();
        for (const item of ['a', 'b', 'c']) schedule.touch(item);
        for (let tick = 0; tick < 400; tick++) {
          for (const { item, touch } of touches.filter((t) => t.tick === tick)) {
            if (touch) schedule.touch(item);
          }
          const due = schedule.due(tick);
          expect(new Set(due).size).toBe(due.length);
          for (const item of due) {
            const previous = lastPolled.get(item) ?? -1;
            expect(tick - previous).toBeLessThanOrEqual(maxTicks);
            lastPolled.set(item, tick);
            schedule.quiet(item);
          }
          for (const item of ['a', 'b', 'c']) expect(tick - (lastPolled.get(item) ?? -1)).toBeLessThanOrEqual(maxTicks);
        }
      },
    ));
  });
});
