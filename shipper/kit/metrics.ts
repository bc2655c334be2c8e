/**
 * One Prometheus registry per program (prom-client). Metric names start with `logship_`; labels are
 * bounded (dataset, reason, outcome — never a path, pod or id).
 */
import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export function createRegistry(program: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ program });
  collectDefaultMetrics({ register: registry, prefix: 'logship_process_' });
  return registry;
}
