/**
 * The time limit of a read: a signal that fires at `--request-timeout` or when the client goes away, handed
 * to the store so it can stop, and a race that answers on that signal even if the store does not stop at
 * once, so a runaway query cannot hold the request.
 */
import type { FastifyReply } from 'fastify';
import { EsError, clientClosedRequest, requestTimedOut } from './errors.ts';
import type { SearchParams } from '../store/types.ts';

/** The store's search parameters, with a signal that fires on the request time limit or when the client leaves. */
export function searchParams(timeoutMs: number, reply: FastifyReply, query: Record<string, string>): SearchParams & { signal: AbortSignal } {
  return { query, signal: AbortSignal.any([clientGoneSignal(reply), AbortSignal.timeout(timeoutMs)]) };
}

/** One listener per response, however many searches it runs (an msearch may run hundreds). */
const clientGoneSignals = new WeakMap<FastifyReply, AbortSignal>();

function clientGoneSignal(reply: FastifyReply): AbortSignal {
  let signal = clientGoneSignals.get(reply);
  if (signal === undefined) {
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(clientClosedRequest());
    });
    signal = controller.signal;
    clientGoneSignals.set(reply, signal);
  }
  return signal;
}

/**
 * Answers when the signal fires even if the store does not stop at once, so a runaway query cannot hold
 * the request past `--request-timeout`; the store is expected to abandon the work on the same signal.
 */
export function withinDeadline<T>(work: Promise<T>, bounds: { signal: AbortSignal }, timeoutMs: number): Promise<T> {
  const { signal } = bounds;
  const reasonOf = (): Error => (signal.reason instanceof EsError ? signal.reason : requestTimedOut(timeoutMs));
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(reasonOf());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonOf());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
