// The search page in a real browser (Debian's chromium, headless, driven by playwright-core) over a real
// aggregator filled with the nginx corpus: what people do on it, one step at a time (issue 6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildUi } from '../../../aggregator/ui/build.ts';
import {
  CHROMIUM, CHROMIUM_ARGS, browserAvailability, bulkIndex, corpusDocs, get, kubernetesFields, screenshotsDir, startAggregator,
  type Aggregator, type Doc,
} from './harness.ts';

const INDEX = 'logs-nginx.access-default';
const availability = browserAvailability();
if (!availability.run) console.warn(`search page e2e: ${availability.reason}`);

const XSS_MESSAGE = 'GET /search?q=<img src=x onerror=alert(1)><script>window.__xss=1</script> HTTP/1.1';
const XSS_AGENT = '<script>window.__xss=2</script><b onmouseover=alert(3)>agent</b>';

describe.runIf(availability.run)('the search page in a browser', () => {
  let dataDir: string;
  let aggregator: Aggregator;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let docs: Doc[];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  let firstResultsMs = Number.NaN;

  const count = async (p: Page = page): Promise<number> => {
    const locator = p.getByTestId('hit-count');
    await p.waitForFunction(() => {
      const el = document.querySelector('[data-testid="hit-count"]');
      const progress = document.querySelector('[data-testid="progress"]');
      return el?.getAttribute('data-count') !== '' && progress?.getAttribute('data-busy') === '0';
    });
    return Number(await locator.getAttribute('data-count'));
  };
  const histogramSum = async (p: Page = page): Promise<number> => Number(await p.getByTestId('histogram').getAttribute('data-sum'));
  const expected = (predicate: (d: Doc) => boolean): number => docs.filter(predicate).length;
  const shoot = (name: string, p: Page = page) => p.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
  const search = async (query: string) => {
    await page.getByTestId('query-input').fill(query);
    await page.getByTestId('search').click();
  };
  const open = async (hash: string, p: Page = page) => {
    await p.goto(`http://${aggregator.ui}/${hash}`);
    await p.getByTestId('progress').waitFor({ state: 'attached' });
  };

  beforeAll(async () => {
    await buildUi({ quiet: true });
    shots = await screenshotsDir();
    dataDir = await mkdtemp(join(tmpdir(), 'logship-ui-e2e-'));
    aggregator = await startAggregator(dataDir);
    const now = Date.now();
    docs = corpusDocs(now - 55 * 60_000, now - 2 * 60_000);
    docs.push({
      '@timestamp': new Date(now - 90_000).toISOString(),
      message: XSS_MESSAGE,
      url: { original: '/search?q=<img src=x onerror=alert(1)>', path: '/search' },
      user_agent: { original: XSS_AGENT },
      http: { request: { method: 'GET' }, response: { status_code: 404 } },
      tags: ['xssprobe'],
      kubernetes: kubernetesFields(0),
    });
    await bulkIndex(aggregator.api, INDEX, docs);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await aggregator?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('opens on the newest lines, with their count and histogram, within a second', async () => {
    // Three openings in fresh tabs; the best must be under a second. (The machine running this is
    // shared with other test processes, so one slow opening says more about them than about the page.)
    const timings: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const tab = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const response = await tab.goto(`http://${aggregator.ui}/#/?from=now-1h&to=now`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await tab.getByTestId('doc-row').first().waitFor();
      timings.push(await tab.evaluate(() => performance.getEntriesByName('logship:first-results')[0]?.startTime ?? Number.NaN));
      await tab.close();
    }
    firstResultsMs = Math.min(...timings);
    console.log(`search page: first results on screen ${timings.map((t) => Math.round(t)).join(', ')} ms after navigation (${docs.length} documents)`);
    expect(firstResultsMs).toBeLessThan(1000);
    await page.goto(`http://${aggregator.ui}/#/?from=now-1h&to=now`);
    await page.getByTestId('doc-row').first().waitFor();
    expect(await count()).toBe(docs.length);
    expect(await histogramSum()).toBe(docs.length);
    expect(await page.getByTestId('doc-row').count()).toBe(100);
    await shoot('01-opened');
  });

  it('runs a KQL query and shows its count and histogram', async () => {
    await search('http.response.status_code >= 500 and kubernetes.namespace : shop');
    const want = expected((d) => Number(get(d, 'http.response.status_code')) >= 500 && get(d, 'kubernetes.namespace') === 'shop');
    expect(want).toBeGreaterThan(0);
    await expect.poll(() => count()).toBe(want);
    expect(await histogramSum()).toBe(want);
    expect(Number(await page.getByTestId('histogram').getAttribute('data-buckets'))).toBeGreaterThan(10);
    expect(page.url()).toContain('q=http.response.status_code');
    await shoot('02-kql-query');
  });

  it('shows a KQL syntax error at its position, not a stack trace', async () => {
    await search('http.response.status_code >= ');
    const error = page.getByTestId('query-error');
    await error.waitFor();
    expect(await error.getAttribute('data-position')).toBe('29');
    expect(await error.textContent()).toMatch(/Expected .*value.* but end of input found/);
    expect(await error.textContent()).not.toMatch(/at \w+ \(/);
    await shoot('03-syntax-error');
  });

  it('expands a document into a table of every field and its JSON', async () => {
    await search('kubernetes.namespace : web');
    await expect.poll(() => count()).toBe(expected((d) => get(d, 'kubernetes.namespace') === 'web'));
    await page.getByTestId('expand').first().click();
    const detail = page.getByTestId('doc-detail');
    await detail.waitFor();
    const fieldsText = await detail.getByTestId('doc-fields').textContent();
    for (const field of ['@timestamp', 'http.response.status_code', 'kubernetes.pod.name', 'url.path', 'message']) expect(fieldsText).toContain(field);
    await shoot('04-expanded-table');
    await detail.getByTestId('tab-json').click();
    const json = JSON.parse((await detail.getByTestId('doc-json').textContent())!) as { _source: Record<string, unknown> };
    expect(get(json._source, 'kubernetes.namespace')).toBe('web');
    await shoot('05-expanded-json');
    await page.getByTestId('expand').first().click();
  });

  it('filters for a top value from the field sidebar, shown as a removable pill', async () => {
    await search('');
    await expect.poll(() => count()).toBe(docs.length);
    const field = page.locator('[data-testid="field"][data-field="http.request.method"]');
    await field.getByTestId('field-name').click();
    const top = field.getByTestId('top-value').first();
    await top.waitFor();
    const label = (await top.locator('.top-value-label').textContent())!;
    await top.getByTestId('filter-for').click();
    const pill = page.getByTestId('filter-pill');
    await expect.poll(() => pill.count()).toBe(1);
    expect(await pill.textContent()).toContain(`http.request.method: ${label}`);
    await expect.poll(() => count()).toBe(expected((d) => get(d, 'http.request.method') === label));
    await shoot('06-sidebar-filter');
    await pill.getByTestId('filter-remove').click();
    await expect.poll(() => pill.count()).toBe(0);
    await expect.poll(() => count()).toBe(docs.length);
  });

  it('drills down from namespace to workload to pod, with counts at each level', async () => {
    const level = page.getByTestId('k8s-level');
    await expect.poll(() => level.getAttribute('data-level')).toBe('namespace');
    const shop = level.locator('[data-testid="k8s-entry"][data-value="shop"]');
    expect(await shop.locator('.k8s-count').textContent()).toBe(expected((d) => get(d, 'kubernetes.namespace') === 'shop').toLocaleString('en-US'));
    await shop.click();
    await expect.poll(() => level.getAttribute('data-level')).toBe('workload');
    await expect.poll(() => count()).toBe(expected((d) => get(d, 'kubernetes.namespace') === 'shop'));
    const workloads = await level.getByTestId('k8s-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    expect(workloads.sort()).toEqual(['checkout', 'frontend']);
    await level.locator('[data-testid="k8s-entry"][data-value="checkout"]').click();
    await expect.poll(() => level.getAttribute('data-level')).toBe('pod');
    await expect.poll(() => count()).toBe(expected((d) => get(d, 'kubernetes.deployment.name') === 'checkout'));
    expect(await page.getByTestId('filter-pill').count()).toBe(2);
    await shoot('07-k8s-drilldown');
    await page.getByTestId('k8s-crumb').first().click();
    await expect.poll(() => page.getByTestId('filter-pill').count()).toBe(0);
  });

  it('renders a line containing <img onerror> and <script> as text, and runs nothing', async () => {
    await search('tags : xssprobe');
    await expect.poll(() => count()).toBe(1);
    const row = page.getByTestId('doc-row').first();
    expect(await row.getByTestId('doc-message').textContent()).toBe(XSS_MESSAGE);
    await row.getByTestId('expand').click();
    const detail = page.getByTestId('doc-detail');
    expect(await detail.textContent()).toContain(XSS_AGENT);
    await detail.getByTestId('tab-json').click();
    expect(await detail.getByTestId('doc-json').textContent()).toContain('<script>window.__xss=1</script>');
    await page.locator('[data-testid="field"][data-field="user_agent.original"]').getByTestId('field-name').click();
    await page.getByTestId('top-value').first().waitFor();
    await page.mouse.move(700, 400);
    expect(await page.locator('#app img, #app script, #app b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await shoot('08-hostile-line-as-text');
    await page.getByTestId('expand').first().click();
  });

  it('copies a link that reopens exactly this view', async () => {
    await search('kubernetes.namespace : payments');
    const want = expected((d) => get(d, 'kubernetes.namespace') === 'payments');
    await expect.poll(() => count()).toBe(want);
    await page.locator('[data-testid="field"][data-field="url.path"]').getByRole('button', { name: 'Add column url.path' }).click();
    await page.getByTestId('copy-link').click();
    const url = await page.getByTestId('share-url').inputValue();
    expect(url).toMatch(/from=\d{4}-\d\d-\d\dT/);
    const other = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await other.goto(url);
    await other.getByTestId('doc-row').first().waitFor();
    expect(await count(other)).toBe(want);
    expect(await other.getByTestId('query-input').inputValue()).toBe('kubernetes.namespace : payments');
    expect(await other.locator('.doc-table th').allTextContents()).toEqual(expect.arrayContaining(['url.path×']));
    await shoot('09-reopened-link', other);
    await other.close();
    await page.locator('.doc-table th').getByRole('button', { name: 'Remove column url.path' }).click();
  });

  it('takes quick ranges, date math and absolute times for the time range', async () => {
    await open('#/?from=now-1h&to=now');
    await page.getByTestId('quick-range').selectOption({ label: 'Last 15 minutes' });
    await expect.poll(() => decodeURIComponent(page.url())).toContain('from=now-15m&to=now');
    await page.getByTestId('quick-range').selectOption({ label: 'Last 24 hours' });
    await expect.poll(() => count()).toBe(docs.length);
    // An absolute start between two lines (so the expected count does not depend on the clock), date math end.
    const sorted = docs.map((d) => Date.parse(d['@timestamp'])).sort((a, b) => a - b);
    const boundary = Math.floor((sorted[5000]! + sorted[5001]!) / 2);
    await page.getByTestId('time-from').fill(new Date(boundary).toISOString());
    await page.getByTestId('time-to').fill('now/d');
    await page.getByRole('button', { name: 'Set range' }).click();
    await expect.poll(() => count()).toBe(sorted.filter((t) => t >= boundary).length);
    await page.getByTestId('time-from').fill('now-');
    expect(await page.getByTestId('time-from').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Set range' }).isDisabled()).toBe(true);
    await shoot('10-absolute-range');
  });

  it('zooms into the time range by dragging across the histogram', async () => {
    await open('#/?from=now-1h&to=now');
    const before = await count();
    const plot = page.locator('.histogram .u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('histogram-readout').textContent()).toMatch(/\d{4}-\d\d-\d\d .*: [\d,]+ lines?$/);
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => decodeURIComponent(page.url())).toMatch(/from=\d{4}-\d\d-\d\dT.*&to=\d{4}-\d\d-\d\dT/);
    const after = await count();
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
    expect(await histogramSum()).toBe(after);
    await shoot('11-zoomed');
  });

  it('scrolls further back with search_after without losing its place', async () => {
    await open('#/?from=now-1h&to=now');
    await page.getByTestId('doc-row').nth(99).waitFor();
    // The page loads in phases (rows first, then count and histogram): read the top row once it is idle.
    await expect.poll(() => page.getByTestId('progress').getAttribute('data-busy')).toBe('0');
    const firstBefore = await page.getByTestId('doc-row').first().textContent();
    await page.getByTestId('doc-scroll').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(() => page.getByTestId('doc-row').count()).toBeGreaterThanOrEqual(200);
    expect(await page.getByTestId('doc-row').first().textContent()).toBe(firstBefore);
    const times = await page.locator('[data-testid="doc-row"] .col-time').allTextContents();
    expect(new Set(times.map((t, i) => `${t}#${i}`)).size).toBe(times.length);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('switches to Lucene syntax and shows the store\'s Lucene parse error under the query', async () => {
    await open('#/?from=now-1h&to=now&lang=lucene');
    await search('http.response.status_code:[500 TO 599]');
    await expect.poll(() => count()).toBe(expected((d) => Number(get(d, 'http.response.status_code')) >= 500));
    await search('http.response.status_code:[500 TO');
    const error = page.getByTestId('query-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Failed to parse query');
    await shoot('12-lucene');
  });

  it('shows progress while a search runs, and a new search cancels the one still running', async () => {
    await open('#/?from=now-1h&to=now');
    await expect.poll(() => count()).toBe(docs.length);
    // Hold the first search at the network until the test lets it go: a slow store, without timers.
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/api/es/**/_search*', async (route) => {
      if ((route.request().postData() ?? '').includes('slowprobe')) {
        await held;
        await route.continue().catch(() => undefined);
      } else {
        await route.continue();
      }
    });
    const failed: string[] = [];
    page.on('requestfailed', (request) => { if ((request.postData() ?? '').includes('slowprobe')) failed.push(request.failure()?.errorText ?? ''); });
    await search('message : slowprobe');
    await expect.poll(() => page.getByTestId('progress').getAttribute('data-busy')).toBe('1');
    expect(await page.getByTestId('query-input').isEditable()).toBe(true);
    await search('kubernetes.namespace : web');
    await expect.poll(() => count()).toBe(expected((d) => get(d, 'kubernetes.namespace') === 'web'));
    await expect.poll(() => failed.length).toBeGreaterThan(0);
    expect(failed[0]).toContain('ABORTED');
    release();
    await page.unroute('**/api/es/**/_search*');
  });

  it('shows a newly written line within 2 seconds in live tail, and holds lines back while the user reads', async () => {
    await open('#/?from=now-1h&to=now&live=1');
    await page.getByTestId('doc-row').first().waitFor();
    await page.mouse.move(5, 5);
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-paused')).toBe('0');
    const marker = `live-tail-probe-${Date.now()}`;
    const written = Date.now();
    await bulkIndex(aggregator.api, INDEX, [{ '@timestamp': new Date().toISOString(), message: `GET /${marker} HTTP/1.1`, kubernetes: kubernetesFields(1) }]);
    await page.getByTestId('doc-row').first().getByText(marker).waitFor({ timeout: 5000 });
    const latency = Date.now() - written;
    console.log(`search page: live tail showed a new line ${latency} ms after it was written`);
    expect(latency).toBeLessThan(2000);
    await shoot('13-live-tail');

    // Reading: the pointer over the table pauses the tail; the next line waits until it leaves.
    await page.getByTestId('doc-row').nth(3).hover();
    const held = `live-tail-held-${Date.now()}`;
    await bulkIndex(aggregator.api, INDEX, [{ '@timestamp': new Date().toISOString(), message: `GET /${held} HTTP/1.1`, kubernetes: kubernetesFields(1) }]);
    await expect.poll(() => page.getByTestId('live-status').textContent(), { timeout: 5000 }).toContain('1 new line');
    expect(await page.getByText(held).count()).toBe(0);
    await shoot('14-live-tail-paused');
    await page.mouse.move(5, 5);
    await page.getByTestId('doc-row').first().getByText(held).waitFor({ timeout: 3000 });
  });
});
