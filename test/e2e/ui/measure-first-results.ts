/**
 * Measures how long the search page takes to show its first results over a large store (default: one
 * million nginx lines spread over the last 50 minutes; the page opens on "last hour", so both the
 * newest-documents request and the count + histogram cover every document). Not a test: a measurement
 * to run by hand,
 *   node test/e2e/ui/measure-first-results.ts [documents]
 * It prints the time from navigation to the first rows on screen, and to the count and histogram.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildUi } from '../../../aggregator/ui/build.ts';
import { CHROMIUM, CHROMIUM_ARGS, bulkIndex, corpusDocs, startAggregator, type Doc } from './harness.ts';

const total = Number(process.argv[2] ?? 1_000_000);
await buildUi({ quiet: true });
const dataDir = await mkdtemp(join(tmpdir(), 'logship-ui-million-'));
const aggregator = await startAggregator(dataDir);
try {
  const now = Date.now();
  const start = now - 50 * 60_000;
  const template = corpusDocs(start, now);
  const loadStarted = performance.now();
  const batch = 10_000;
  for (let offset = 0; offset < total; offset += batch) {
    const docs: Doc[] = [];
    for (let i = offset; i < Math.min(total, offset + batch); i++) {
      const base = template[i % template.length]!;
      docs.push({ ...base, '@timestamp': new Date(start + Math.floor(((now - start) * i) / total)).toISOString() });
    }
    await bulkIndex(aggregator.api, 'logs-nginx.access-default', docs, batch);
    if ((offset / batch) % 10 === 0) process.stdout.write(`\rindexed ${offset + docs.length} documents`);
  }
  console.log(`\nindexed ${total} documents in ${Math.round((performance.now() - loadStarted) / 1000)} s`);

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  for (let run = 1; run <= 3; run++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`http://${aggregator.ui}/#/?from=now-1h&to=now`);
    await page.getByTestId('doc-row').first().waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="hit-count"]')?.getAttribute('data-count') !== '', undefined, { timeout: 60_000 });
    const marks = await page.evaluate(() => ({
      firstResults: performance.getEntriesByName('logship:first-results')[0]?.startTime ?? NaN,
      now: performance.now(),
      count: document.querySelector('[data-testid="hit-count"]')?.getAttribute('data-count'),
    }));
    console.log(`run ${run}: first rows ${Math.round(marks.firstResults)} ms, count + histogram by ${Math.round(marks.now)} ms, count ${marks.count}`);
    await page.close();
  }
  await browser.close();
} finally {
  await aggregator.stop();
  await rm(dataDir, { recursive: true, force: true });
}
