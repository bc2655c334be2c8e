/** What every group of Elasticsearch routes needs; built once by `buildApp`. */
import type { Store } from '../store/types.ts';
import type { ApiMetrics } from '../http/api-metrics.ts';
import type { BulkGate } from '../http/bulk-gate.ts';
import type { IlmPolicies } from './ilm-policies.ts';

export interface ApiContext {
  readonly store: Store;
  /** `version.number` reported by `GET /` (8.x makes Filebeat and rsyslog take their modern code paths). */
  readonly esVersion: string;
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly nodeName: string;
  readonly nodeId: string;
  /** `host:port` clients can reach this API on, for `_nodes` (sniffing); known only once listening. */
  publishAddress(): string;
  readonly maxBodyBytes: number;
  readonly requestTimeoutMs: number;
  readonly metrics: ApiMetrics;
  readonly bulkGate: BulkGate;
  readonly ilmPolicies: IlmPolicies;
}
