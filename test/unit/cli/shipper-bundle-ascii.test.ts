/**
 * The shipper bundle is pure ASCII (shipper/bin/bundle.ts, asciiOnly): V8 keeps a module's source on the
 * heap for the whole run, and one character above U+00FF would make it a two-byte string of twice the size.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShipperBundle } from '../../../shipper/bin/bundle.ts';

describe('shipper bundle', () => {
  it('holds nothing but ASCII', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'logship-bundle-ascii-'));
    try {
      const file = await buildShipperBundle(join(dir, 'shippers.mjs'), { quiet: true });
      const text = await readFile(file, 'utf8');
      expect(text.length).toBeGreaterThan(500_000); // a whole bundle (≈ 0.8 MB), not an empty or partial one
      expect(text.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
