/**
 * One Prometheus registry per program (prom-client). Metric names start with `logship_`; labels are
 * bounded (dataset, reason, outcome — never a path, pod or id).
 */
import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export function createRegistry(program: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ program });
  // The event-loop delay is sampled once a second, not prom-client's every 10 ms: the sampling timer woke
  // an otherwise idle collector 100 times a second, ~0.4-0.6 % of a core of its ~0.5 % idle CPU with 500
  // quiet files. The lag histogram then samples the loop once a second: a stall shorter than that is
  // caught in proportion to its length, which still shows a loop that is often blocked.
  collectDefaultMetrics({ register: registry, prefix: 'logship_process_', eventLoopMonitoringPrecision: 1000 });
  return registry;
}
