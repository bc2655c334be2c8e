import { Type, defineCommand } from '../shipper/kit/options.ts';
import { commonOptions } from '../shipper/kit/common-options.ts';

export const aggregatorCommand = defineCommand({
  name: 'aggregator',
  summary: 'Elasticsearch-compatible API on an embedded store (or forwarding to a cluster), and the search page.',
  options: Type.Object({
    ...commonOptions,
    listen: Type.String({ format: 'listen', default: '127.0.0.1:9200', description: 'Address of the Elasticsearch-compatible API.' }),
    uiListen: Type.String({ format: 'listen', default: '127.0.0.1:5601', description: 'Address of the search page.' }),
    dataDir: Type.String({ default: './data', description: 'Directory of the embedded store (with --forward-to: of the durable forward queue).' }),
    forwardTo: Type.Optional(Type.String({ format: 'uri', description: 'Elasticsearch/OpenSearch URL; when set, the cluster is the store.' })),
    forwardUsername: Type.Optional(Type.String({ description: 'Basic-auth user name for --forward-to.' })),
    forwardPassword: Type.Optional(Type.String({ description: 'Basic-auth password for --forward-to (prefer the environment variable).' })),
    forwardApiKey: Type.Optional(Type.String({ description: 'Elasticsearch API key (base64 id:key) for --forward-to.' })),
    forwardCaFile: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the cluster\'s TLS certificate.' })),
    forwardMaxQueueBytes: Type.Integer({ minimum: 1024 * 1024, default: 1024 ** 3, 'x-unit': 'bytes', description: 'With --forward-to: bulks are refused with 429 while the durable queue holds more than this.' }),
    insecure: Type.Boolean({ default: false, description: 'Allow listening on a non-loopback address without authentication.' }),
    authFile: Type.Optional(Type.String({ description: 'YAML file of users (scrypt password hashes) and API keys with roles ingest, read, admin; without it the API is open (loopback only unless --insecure).' })),
    esVersion: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', default: '8.19.0', description: 'Elasticsearch version reported by GET / (8.x makes Filebeat use create ops and rsyslog omit _type).' }),
    clusterName: Type.String({ minLength: 1, default: 'logship', description: 'cluster_name reported by GET / and _cluster/health.' }),
    maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 2 * 1024 ** 3, default: 100 * 1024 * 1024, 'x-unit': 'bytes', description: 'Largest request body, after gzip decompression; larger ones get 413 (Filebeat then splits its batch).' }),
    requestTimeout: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000, 'x-unit': 'ms', description: 'Time allowed to receive a request and to run a search.' }),
    maxConcurrentBulks: Type.Integer({ minimum: 1, maximum: 1024, default: 8, description: 'Bulk requests handled at once; more get a whole-request 429 with Retry-After before any item is applied.' }),
    retention: Type.Optional(Type.Integer({ minimum: 60_000, 'x-unit': 'ms', description: 'Delete documents older than this (by @timestamp), e.g. 7d; unset keeps everything.' })),
    maxDiskBytes: Type.Optional(Type.Integer({ minimum: 1024 * 1024, 'x-unit': 'bytes', description: 'Delete the oldest data when the store grows beyond this, e.g. 20GiB.' })),
  }),
});
