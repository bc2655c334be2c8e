/** Options every command shares, spread into each command's schema. */
import { Type } from './options.ts';
import { LOG_LEVELS } from './logger.ts';

export const commonOptions = {
  config: Type.Optional(Type.String({ description: 'YAML file with options (flag or camelCase names); flags and environment win over it.' })),
  logLevel: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info', description: 'Lowest level of logship\'s own log lines (pino JSON on stdout).' }),
};

/** Options of the two shippers (sidecar and collector): where to send, and how to batch and buffer. */
export const shipperOptions = {
  to: Type.String({ format: 'uri', default: 'http://127.0.0.1:9200', description: 'Elasticsearch-compatible URL to bulk-send to (our aggregator or a real cluster).' }),
  stateDir: Type.String({ default: './state', description: 'Directory for checkpoints (must survive restarts: a volume or hostPath).' }),
  namespace: Type.String({ default: 'default', pattern: '^[a-z0-9_]+$', description: 'Data stream namespace: logs-<dataset>-<namespace>.' }),
  username: Type.Optional(Type.String({ description: 'Basic-auth user name for --to.' })),
  password: Type.Optional(Type.String({ description: 'Basic-auth password for --to.' })),
  apiKey: Type.Optional(Type.String({ description: 'Elasticsearch API key (base64 id:key) for --to.' })),
  caFile: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the store\'s TLS certificate.' })),
  insecureSkipVerify: Type.Boolean({ default: false, description: 'Do not verify the store\'s TLS certificate (testing only).' }),
  gzip: Type.Boolean({ default: false, description: 'Gzip bulk request bodies: less network, about 1.5x the CPU (BENCHMARKS.md); worth it over slow links.' }),
  batchMaxDocs: Type.Integer({ minimum: 1, maximum: 100_000, default: 2000, description: 'A batch is sent when it holds this many records.' }),
  batchMaxBytes: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 4 * 1024 * 1024, 'x-unit': 'bytes', description: 'A batch is sent when its records reach this many bytes.' }),
  batchMaxWait: Type.Integer({ minimum: 1, maximum: 60_000, default: 200, 'x-unit': 'ms', description: 'A batch is sent when its oldest record has waited this long.' }),
  maxInFlight: Type.Integer({ minimum: 1, maximum: 16, default: 2, description: 'Bulk requests sent concurrently.' }),
  maxBufferBytes: Type.Integer({ minimum: 64 * 1024, default: 32 * 1024 * 1024, 'x-unit': 'bytes', description: 'Records read but not yet acknowledged; when full, reading pauses.' }),
  maxLineBytes: Type.Integer({ minimum: 256, maximum: 64 * 1024 * 1024, default: 1024 * 1024, 'x-unit': 'bytes', description: 'Longer lines are cut, tagged logship_truncated, and still shipped.' }),
  readFrom: Type.Union([Type.Literal('beginning'), Type.Literal('end')], { default: 'beginning', description: 'Where to start in a file seen for the first time (no checkpoint).' }),
  metricsListen: Type.String({ format: 'listen', default: '127.0.0.1:9464', description: 'Address of /metrics, /healthz and /readyz.' }),
  tag: Type.Array(Type.String({ pattern: '^[^=]+=.*$' }), { default: [], description: 'Static field added to every record, key=value (repeatable; dotted keys nest).' }),
  retryMaxBackoff: Type.Integer({ minimum: 100, default: 30_000, 'x-unit': 'ms', description: 'Ceiling of the exponential backoff between retries (retries never give up).' }),
  shutdownTimeout: Type.Integer({ minimum: 100, default: 10_000, 'x-unit': 'ms', description: 'SIGTERM: time to drain in-flight batches and write the checkpoint before exiting.' }),
};
