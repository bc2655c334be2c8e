// With authentication on, the search page asks for credentials and reads with the account's role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildUi } from '../../../aggregator/ui/build.ts';
import { hashSecret } from '../../../aggregator/auth/secret-hash.ts';
import { CHROMIUM, CHROMIUM_ARGS, browserAvailability, screenshotsDir, startAggregator, type Aggregator } from './harness.ts';

const availability = browserAvailability();
if (!availability.run) console.warn(`search page auth e2e: ${availability.reason}`);

describe.runIf(availability.run)('the search page with authentication on', () => {
  let dataDir: string;
  let aggregator: Aggregator;
  let browser: Browser;
  let page: Page;
  let shots: string;

  beforeAll(async () => {
    await buildUi({ quiet: true });
    shots = await screenshotsDir();
    dataDir = await mkdtemp(join(tmpdir(), 'logship-ui-auth-'));
    const authFile = join(dataDir, 'auth.yaml');
    await writeFile(authFile, [
      'users:',
      `  - { name: reader, password_hash: "${await hashSecret('reader-secret')}", roles: [read] }`,
      `  - { name: shipper, password_hash: "${await hashSecret('shipper-secret')}", roles: [ingest] }`,
      '',
    ].join('\n'));
    aggregator = await startAggregator(join(dataDir, 'data'), ['--auth-file', authFile]);
    const now = Date.now();
    const body = [0, 1, 2].map((i) => `{"create":{}}\n${JSON.stringify({ '@timestamp': new Date(now - 60_000 * (i + 1)).toISOString(), message: `GET /auth-probe-${i} HTTP/1.1` })}\n`).join('');
    const response = await fetch(`http://${aggregator.api}/logs-nginx.access-default/_bulk?refresh=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Basic ${Buffer.from('shipper:shipper-secret').toString('base64')}` },
      body,
    });
    expect(response.status).toBe(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await aggregator?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const signIn = async (user: string, password: string) => {
    const form = page.getByTestId('login');
    await form.waitFor();
    await form.getByLabel('Username').fill(user);
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
  };

  it('asks for credentials instead of showing the browser\'s own dialog, and says when they are wrong', async () => {
    await page.goto(`http://${aggregator.ui}/`);
    await page.getByTestId('login').waitFor();
    await shoot('20-sign-in');
    await signIn('reader', 'not-the-password');
    await expect.poll(() => page.getByTestId('login').textContent()).toContain('not accepted');
  });

  it('tells an account without the read role that it may not search', async () => {
    await signIn('shipper', 'shipper-secret');
    await expect.poll(() => page.getByTestId('error').textContent()).toContain('read role');
  });

  it('searches with an account that has the read role', async () => {
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await signIn('reader', 'reader-secret');
    await page.getByTestId('doc-row').first().waitFor();
    await expect.poll(() => page.getByTestId('hit-count').getAttribute('data-count')).toBe('3');
    await shoot('21-signed-in');
  });

  const shoot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
});
