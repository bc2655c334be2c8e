/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): the wait is uniform in
 * [0, min(cap, base·2^attempt)], which spreads a fleet of shippers out after a store outage instead of
 * having them all hammer it in lockstep. A `Retry-After` from the store is a floor.
 */
export function backoffDelayMs(attempt: number, { baseMs = 100, capMs = 30_000, retryAfterSeconds, random = Math.random }: {
  baseMs?: number;
  capMs?: number;
  retryAfterSeconds?: number | undefined;
  random?: () => number;
} = {}): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterSeconds === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterSeconds * 1000));
}

/**
 * A `Retry-After` header's seconds; undefined when absent, empty, or not a number of seconds (an HTTP date,
 * which Elasticsearch does not send, is treated as absent: the backoff then decides alone).
 */
export function retryAfterSecondsOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
