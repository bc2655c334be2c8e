/**
 * Writes nginx-shaped traffic into access.log and error.log the way nginx does (appends, whole lines),
 * at a steady rate, after back-filling the last hour so the search page has a history to show.
 */
import { appendFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Component } from '../kit/lifecycle.ts';
import { accessLine, errorLine, seededRandom } from './nginx-lines.ts';

export function createTrafficGenerator(dir: string, ratePerSecond: number): Component {
  const random = seededRandom(Date.now() & 0xffffffff);
  const accessPath = join(dir, 'access.log');
  const errorPath = join(dir, 'error.log');
  let connection = 1;
  let timer: NodeJS.Timeout | undefined;

  async function write(count: number, at: () => Date): Promise<void> {
    const access: string[] = [];
    const errors: string[] = [];
    for (let i = 0; i < count; i++) {
      const date = at();
      access.push(accessLine(random, date));
      if (random() < 0.03) errors.push(errorLine(random, date, connection++));
    }
    await appendFile(accessPath, access.map((l) => `${l}\n`).join(''));
    if (errors.length > 0) await appendFile(errorPath, errors.map((l) => `${l}\n`).join(''));
  }

  return {
    name: 'traffic',
    async start() {
      const exists = await stat(accessPath).then(() => true, () => false);
      if (!exists) {
        // An hour of history, oldest first, so the histogram is not empty at first sight.
        const backfill = Math.min(ratePerSecond * 3600, 20_000);
        const start = Date.now() - 3600_000;
        let n = 0;
        await write(backfill, () => new Date(start + Math.floor((n++ / backfill) * 3600_000)));
      }
      timer = setInterval(() => void write(Math.max(1, Math.round(ratePerSecond / 4)), () => new Date()), 250);
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
